// Progressive enhancement only: every page works without this file.
// Move focus to a form's error summary so keyboard and screen-reader users hear what went wrong.
function focusErrorSummary(root) {
  const summary = (root || document).querySelector(".error-summary");
  if (summary) summary.focus();
}
document.addEventListener("DOMContentLoaded", () => focusErrorSummary(document));
document.addEventListener("htmx:afterSettle", (event) => focusErrorSummary(event.target));

// A swap that replaces the element with focus (a dashboard row, after its Publish or Close button)
// would drop focus to <body>, so the next Tab would start again at the top of the page. Keep the
// keyboard user's place: focus what replaced it (same id), which a screen reader then reads.
let swappedFocusId = null;
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  const hadFocus = target !== document.body && target.id && target.contains(document.activeElement);
  swappedFocusId = hadFocus ? target.id : null;
});
document.addEventListener("htmx:afterSettle", () => {
  const replacement = swappedFocusId && document.getElementById(swappedFocusId);
  swappedFocusId = null;
  if (replacement && document.activeElement === document.body) {
    if (!replacement.hasAttribute("tabindex")) replacement.tabIndex = -1;
    replacement.focus();
  }
});
