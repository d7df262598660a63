// The workbench's only script (no inline script: the Content-Security-Policy forbids it).
import { initAll } from "/static/vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// After htmx swaps a part of the page in, start the design system's components inside it.
document.body.addEventListener("htmx:afterSettle", (event) => {
  initAll({ scope: event.detail.elt });
});

// Reviews: 1 to 9 confirm that record for the first open review, 0 says none of them is the person.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target && ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) return;
  if (!/^[0-9]$/.test(event.key)) return;
  const review = document.querySelector("[data-review]");
  if (!review) return;
  const button = review.querySelector(`button[data-key="${event.key}"]`);
  if (button) {
    event.preventDefault();
    button.click();
  }
});
