"""Access rules of this app, registered with portal.policy."""
