// The guided-tour controls: the simulated clock (and advancing it), posting digests now, recording a value.
import { api, toast } from "./api.js";
import { escapeHtml as esc } from "./mrkdwn.js";

const $ = (selector) => document.querySelector(selector);

export function showClock(iso) {
  if (!iso) return;
  const now = new Date(iso);
  const day = now.toLocaleDateString([], { weekday: "short", day: "numeric", month: "short" });
  const time = now.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" });
  $("#clock-time").textContent = `${day} · ${time}`;
  $("#clock").title = `Simulated time: ${now.toString()}. It runs with real time, and jumps when you advance it.`;
  $("#clock").dataset.now = iso;
}

async function busy(label, work) {
  const controls = document.querySelectorAll(".tour button");
  controls.forEach((b) => { b.disabled = true; });
  document.body.classList.add("busy");
  $("#busy-label").textContent = label;
  try {
    const result = await work();
    toast(result.message);
    return result;
  } catch (error) {
    toast(error.message, { error: true });
    return null;
  } finally {
    controls.forEach((b) => { b.disabled = false; });
    document.body.classList.remove("busy");
  }
}

function thresholdHint(kpi) {
  if (!kpi) return "";
  const parts = [];
  if (kpi.warning) parts.push(`warning at ${kpi.warning}`);
  if (kpi.critical) parts.push(`critical at ${kpi.critical}`);
  const better = kpi.direction === "lower" ? "lower is better" : "higher is better";
  const alerts = parts.length ? `Alerts: ${parts.join(", ")} (${better}).` : `No thresholds in kpis.yml (${better}); alert rules may still apply.`;
  return `${alerts} The value is recorded for the current ${kpi.grain.replace(/ly$/, "")}.`;
}

function setupRecord(kpis) {
  const dialog = $("#record-dialog");
  const select = $("#record-kpi");
  select.innerHTML = kpis.map((k) => `<option value="${esc(k.key)}">${esc(k.name)}</option>`).join("");
  const byKey = new Map(kpis.map((k) => [k.key, k]));
  const first = kpis.find((k) => k.critical) || kpis[0];
  if (first) select.value = first.key;
  const update = () => {
    const kpi = byKey.get(select.value);
    $("#record-hint").textContent = thresholdHint(kpi);
    $("#record-value").placeholder = kpi && kpi.critical ? `e.g. ${kpi.critical}` : "a value";
  };
  select.addEventListener("change", update);
  update();
  $("#record-open").addEventListener("click", () => {
    dialog.showModal();
    $("#record-value").focus();
  });
  $("#record-cancel").addEventListener("click", () => dialog.close());
  $("#record-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = $("#record-value").value.trim();
    if (!value) { $("#record-value").focus(); return; }
    dialog.close();
    const result = await busy("recording…", () => api("/api/record", { kpi: select.value, value }));
    if (result) $("#record-value").value = "";
  });
}

// Progress while the clock moves (the server publishes one "advance" event per step).
export function showAdvance(event) {
  if (!document.body.classList.contains("busy")) return;
  $("#busy-label").textContent = `advancing… ${Math.round((100 * event.done) / event.total)}%`;
}

// What moving the clock did: digests posted or skipped (and why), alerts fired.
function showReport(title, lines) {
  $("#report-title").textContent = title;
  $("#report-lines").innerHTML = lines.map((line) => `<li>${esc(line)}</li>`).join("");
  $("#report").hidden = false;
}

export function setupTour(state) {
  $("#report-close").addEventListener("click", () => { $("#report").hidden = true; });
  document.querySelectorAll("[data-advance]").forEach((button) => button.addEventListener("click", async () => {
    const result = await busy("advancing…", () => api("/api/advance", { hours: Number(button.dataset.advance) }));
    if (!result) return;
    showClock(result.now);
    showReport(`${result.message}: what happened`, result.report || []);
  }));
  const digests = $("#digest-buttons");
  digests.innerHTML = state.digests.map((d) => `<button type="button" data-digest="${esc(d.name)}" title="${esc(d.title)}: ${esc(d.schedule)} (${esc(d.tz)})">${esc(d.name[0].toUpperCase() + d.name.slice(1))}</button>`).join("");
  digests.querySelectorAll("[data-digest]").forEach((button) => button.addEventListener("click", () =>
    busy("posting…", () => api("/api/digest", { name: button.dataset.digest }))));
  setupRecord(state.kpis);
  if (!state.background) {
    document.querySelectorAll("[data-advance],[data-digest]").forEach((b) => { b.title = "Digests and alerts are off in this demo"; });
  }
}
