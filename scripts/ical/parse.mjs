// Reads a JSON list of iCalendar texts on stdin and prints, for each, what ical.js understood of it:
// the calendar's METHOD and every VEVENT's UID, SEQUENCE, STATUS, times, ORGANIZER and ATTENDEEs.
// A text ical.js cannot parse makes the whole run fail with the parser's message (exit code 1).
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const texts = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const out = texts.map((text, index) => {
  let root;
  try {
    root = new ICAL.Component(ICAL.parse(text));
  } catch (error) {
    process.stderr.write(`document ${index}: ${error.message}\n`);
    process.exit(1);
  }
  if (root.name !== "vcalendar") {
    process.stderr.write(`document ${index}: not a VCALENDAR but ${root.name}\n`);
    process.exit(1);
  }
  const events = root.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    return {
      uid: event.uid,
      sequence: event.sequence,
      dtstamp: component.hasProperty("dtstamp"),
      hasSequence: component.hasProperty("sequence"),
      status: component.getFirstPropertyValue("status"),
      summary: event.summary,
      url: component.getFirstPropertyValue("url"),
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
      organizer: component.getFirstPropertyValue("organizer"),
      attendees: event.attendees.map((attendee) => attendee.getFirstValue()),
    };
  });
  return {
    method: root.getFirstPropertyValue("method"),
    version: root.getFirstPropertyValue("version"),
    prodid: root.getFirstPropertyValue("prodid"),
    events,
  };
});
process.stdout.write(JSON.stringify(out));
