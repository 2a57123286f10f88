// Progressive enhancement only: every page works without this file.
// Move focus to a form's error summary so keyboard and screen-reader users hear what went wrong.
function focusErrorSummary(root) {
  const summary = (root || document).querySelector(".error-summary");
  if (summary) summary.focus();
}
document.addEventListener("DOMContentLoaded", () => focusErrorSummary(document));
document.addEventListener("htmx:afterSettle", (event) => focusErrorSummary(event.target));
