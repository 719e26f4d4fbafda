// Keyboard for the alert page: a acknowledge, e escalate (e again or Enter to confirm),
// r then 1-7 resolve with that outcome, n write a note (Ctrl+Enter saves), q back to the queue.
"use strict";

const hint = document.getElementById("key-hint");
const resolveForm = document.getElementById("resolve");
const note = document.getElementById("note");
let pending = null; // "r" or "e" waiting for its second key

function arm(key, message) {
  pending = key;
  if (hint) hint.textContent = message;
  if (resolveForm) resolveForm.classList.toggle("armed", key === "r");
}

function disarm() { arm(null, ""); }

function press(selector) {
  const button = document.querySelector(selector);
  if (button && !button.disabled) button.click();
}

document.addEventListener("keydown", (event) => {
  if (event.target === note) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      document.getElementById("note-form").requestSubmit();
    } else if (event.key === "Escape") note.blur();
    return;
  }
  if (event.target.closest("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key;
  const waiting = pending;
  disarm();
  if (waiting === "r" && /^[1-9]$/.test(key)) {
    press(`#resolve button[data-digit="${key}"]`);
  } else if (waiting === "e" && (key === "e" || key === "Enter")) {
    press("#escalate");
  } else if (key === "a") {
    press("#acknowledge");
  } else if (key === "e" && document.getElementById("escalate")) {
    arm("e", "Escalate to the supervisor? Press e or Enter to confirm, Esc to cancel.");
  } else if (key === "r" && resolveForm) {
    arm("r", "Resolve: press the outcome's number, Esc to cancel.");
  } else if (key === "n") {
    note.focus();
  } else if (key === "q") {
    window.location.href = "/console";
  } else if (key !== "Escape") return;
  event.preventDefault();
});
