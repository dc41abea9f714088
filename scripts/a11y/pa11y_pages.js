// pa11y over a list of pages in one Chromium: node pa11y_pages.js pages.json results.json
// pages.json: [{"url": ..., "cookie": "sessionid=...; django_language=nl", "label": "hr nl"}, ...]
// The browser is the one pa11y.json names (Debian's Chromium); results.json gets the errors per page.
"use strict";
const fs = require("fs");
const path = require("path");
const pa11y = require("pa11y");
const puppeteer = require("puppeteer");

async function main() {
  const [pagesFile, resultsFile] = process.argv.slice(2);
  const config = JSON.parse(fs.readFileSync(path.join(__dirname, "pa11y.json"), "utf8"));
  const pages = JSON.parse(fs.readFileSync(pagesFile, "utf8"));
  const browser = await puppeteer.launch({headless: true, ...config.chromeLaunchConfig});
  const results = [];
  try {
    for (const page of pages) {
      const options = {...config, browser, headers: {Cookie: page.cookie}};
      delete options.chromeLaunchConfig;
      const result = await pa11y(page.url, options);
      process.stderr.write(`${results.length + 1}/${pages.length} ${page.label} ${page.url}: ` +
                           `${result.issues.filter((issue) => issue.type === "error").length} errors\n`);
      results.push({url: page.url, label: page.label,
                    errors: result.issues.filter((issue) => issue.type === "error")});
    }
  } finally {
    await browser.close();
  }
  fs.writeFileSync(resultsFile, JSON.stringify(results, null, 1));
}

main().catch((error) => { console.error(error); process.exit(2); });
