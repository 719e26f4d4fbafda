// The responder console: acknowledge countdowns, and the live queue (server-sent events say
// "something changed"; the rows are then fetched again through the ordinary page route).
"use strict";

function formatSpan(seconds) {
  const s = Math.abs(Math.round(seconds));
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} m`
                 : `${m}:${String(s % 60).padStart(2, "0")}`;
}

function tickCountdowns() {
  const now = Date.now();
  for (const el of document.querySelectorAll(".countdown[data-deadline]")) {
    const left = (Date.parse(el.dataset.deadline) - now) / 1000;
    el.textContent = left >= 0 ? `${formatSpan(left)} left` : `overdue ${formatSpan(left)}`;
    el.classList.toggle("overdue", left < 0);
  }
  for (const el of document.querySelectorAll(".since[data-since]")) {
    el.textContent = formatSpan((now - Date.parse(el.dataset.since)) / 1000);
  }
}
tickCountdowns();
setInterval(tickCountdowns, 1000);

const queue = document.getElementById("queue");
if (queue) {
  const rows = document.getElementById("queue-rows");
  const live = document.getElementById("live");
  let selected = 0;

  const alertRows = () => Array.from(rows.querySelectorAll("tr.alert"));
  const select = (index) => {
    const all = alertRows();
    if (!all.length) return;
    selected = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row, i) => row.classList.toggle("selected", i === selected));
    all[selected].scrollIntoView({ block: "nearest" });
  };

  async function refresh() {
    const known = new Set(alertRows().map((row) => row.dataset.id));
    const response = await fetch(queue.dataset.rows + window.location.search, { credentials: "same-origin" });
    if (response.redirected || response.status === 401) {
      signedOut(); // the session ended (its 12 hours, or signed out elsewhere)
      return;
    }
    if (!response.ok) return;
    rows.innerHTML = await response.text();
    for (const row of alertRows()) {
      if (!known.has(row.dataset.id)) row.classList.add("new");
    }
    select(selected);
    tickCountdowns();
  }

  // A duty desk must never show a queue that stopped updating as if it were live: once the
  // session has ended, the page says so in large type and offers to sign in again.
  let events = null;
  function signedOut() {
    if (events) events.close();
    live.dataset.state = "signed-out";
    live.textContent = "signed out";
    queue.classList.add("stale");
    const banner = document.getElementById("signed-out");
    banner.querySelector("a").href = "/login?next=" + encodeURIComponent(window.location.pathname + window.location.search);
    banner.hidden = false;
    document.title = "Signed out · Telecare";
  }

  // The stream refused (401, after its session ended) or broken for good: ask the page route
  // why; a live session means the server had trouble, so try again in a moment.
  async function streamClosed() {
    try {
      const response = await fetch(queue.dataset.rows, { credentials: "same-origin" });
      if (response.redirected || response.status === 401) { signedOut(); return; }
    } catch (error) { /* the server is unreachable: keep trying */ }
    setTimeout(connect, 5000);
  }

  function connect() {
    events = new EventSource(queue.dataset.events);
    events.addEventListener("open", () => { live.dataset.state = "live"; live.textContent = "live"; refresh(); });
    events.addEventListener("alerts", refresh);
    events.addEventListener("signed-out", signedOut);
    events.addEventListener("error", () => {
      live.dataset.state = "lost";
      live.textContent = "reconnecting…";
      if (events.readyState === EventSource.CLOSED) streamClosed();
    });
  }
  connect();

  rows.addEventListener("click", (event) => {
    const row = event.target.closest("tr.alert");
    if (row && !event.target.closest("a")) window.location.href = row.dataset.href;
  });
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "j") select(selected + 1);
    else if (event.key === "k") select(selected - 1);
    else if (event.key === "Enter") {
      const row = alertRows()[selected];
      if (row) window.location.href = row.dataset.href;
    } else return;
    event.preventDefault();
  });
  select(0);
}
