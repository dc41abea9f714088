// Submits, once, each form marked data-autosubmit (the SAML sign-in's step back onto the organisation's own
// host, sso/saml_continue.html); the button in it does the same for a browser without scripts.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.removeAttribute("data-autosubmit");
    form.submit();
  });
});
