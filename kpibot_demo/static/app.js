// The demo page: a minimal Slack client for the local emulator. Everything it does goes through the
// demo server's JSON API, which sends real signed requests to the bot; live updates arrive as SSE.
import { blocks as renderBlocks } from "./blocks.js";
import { patchList, threadEntries, timelineEntries } from "./messages.js";
import { escapeHtml as esc } from "./mrkdwn.js";
import { api, toast } from "./api.js";
import { setupTour, showAdvance, showClock } from "./tour.js";

const $ = (selector) => document.querySelector(selector);
const params = new URLSearchParams(location.search);

export const S = {
  users: new Map(),
  channels: [],
  me: null,
  current: null,
  thread: null,
  messages: [],
  files: {},
  unread: new Set(),
  botId: null,
};

const ctx = {
  get users() { return S.users; },
  get files() { return S.files; },
  get me() { return S.me; },
  userName: (id) => (S.users.get(id) ? S.users.get(id).real_name : id),
  channelName: (id) => { const c = S.channels.find((x) => x.id === id); return c ? c.name : id; },
};

// ------------------------------------------------------------------ workspace and sidebar
export async function loadState() {
  const state = await api("/api/state");
  S.users = new Map(state.users.map((u) => [u.id, u]));
  S.channels = state.channels;
  S.botId = state.bot_user_id;
  S.state = state;
  const people = state.users.filter((u) => !u.is_bot);
  if (!S.me || !S.users.has(S.me)) {
    const wanted = (params.get("as") || localStorage.getItem("kpibot-demo-as") || "dana").toLowerCase();
    S.me = (people.find((u) => u.name === wanted || u.id === wanted) || people[people.length - 1]).id;
  }
  renderActAs(people);
  renderSidebar();
  showClock(state.now);
  return state;
}

function renderActAs(people) {
  const select = $("#actas");
  const label = (u) => (u.owns.length ? `${u.real_name} (owns ${u.owns.length} KPI${u.owns.length > 1 ? "s" : ""})` : u.real_name);
  select.innerHTML = people.map((u) => `<option value="${esc(u.id)}">${esc(label(u))}</option>`).join("");
  select.value = S.me;
}

const channelOf = (id) => S.channels.find((c) => c.id === id);
const myDm = () => S.channels.find((c) => c.kind === "im" && c.im_user === S.me);

function renderSidebar() {
  const item = (id, label, { cls = "", attrs = "", icon = "#" } = {}) => {
    const active = id && id === S.current ? " active" : "";
    const unread = id && S.unread.has(id) ? " unread" : "";
    return `<li><a href="#" class="ch${active}${unread} ${cls}" ${id ? `data-channel="${esc(id)}"` : ""} ${attrs}><span class="ch-icon">${icon}</span><span class="ch-name">${esc(label)}</span></a></li>`;
  };
  document.querySelector("[data-home]").classList.toggle("active", !!S.home);
  const rooms = S.channels.filter((c) => c.kind === "public" || c.kind === "private");
  $("#channels").innerHTML = rooms.map((c) => item(c.id, c.name, { cls: c.members.includes(S.me) ? "" : "nonmember" })).join("");
  const mine = myDm();
  const bot = `<span class="dm-avatar bot"></span>`;
  $("#dms").innerHTML = mine ? item(mine.id, "kpibot", { icon: bot }) : item(null, "kpibot", { attrs: `data-open-dm="1"`, icon: bot });
  const others = S.channels.filter((c) => c.kind === "im" && c.im_user !== S.me);
  $("#others-title").hidden = !others.length;
  $("#others").innerHTML = others.map((c) => item(c.id, `${ctx.userName(c.im_user)} ↔ kpibot`, { icon: `<span class="dm-avatar"></span>` })).join("");
}

function setDrawer(open) {
  document.body.classList.toggle("drawer-open", open);
  $("#drawer-toggle").setAttribute("aria-expanded", String(open));
}

// ------------------------------------------------------------------ the App Home tab
async function selectHome() {
  setDrawer(false);
  S.current = null;
  S.home = true;
  S.thread = null;
  renderSidebar();
  renderThread();
  document.body.classList.add("on-home");
  $("#conv-title").textContent = "Home";
  $("#conv-about").textContent = "kpibot's Home tab: your KPIs, the open alerts on them, the digests";
  $("#composer-notice").hidden = true;
  $("#messages")._cache = null;
  $("#messages").innerHTML = `<div class="empty">Opening your Home tab…</div>`;
  try {
    const { view } = await api("/api/home", { user: S.me });
    renderHome(view);
  } catch (error) {
    toast(error.message, { error: true });
  }
}

function renderHome(view) {
  if (!S.home) return;
  const list = $("#messages");
  list._cache = null;
  list.innerHTML = `<div class="home-view msg" data-home-view="1"><div class="content">${renderBlocks(view ? view.blocks : [], ctx)}</div></div>`;
  list.scrollTop = 0;
}

async function refreshHome() {
  const { view } = await api(`/api/home?user=${encodeURIComponent(S.me)}`);
  renderHome(view);
}

async function selectChannel(id) {
  setDrawer(false);
  S.home = false;
  document.body.classList.remove("on-home");
  S.current = id;
  S.thread = null;
  S.unread.delete(id);
  $("#messages")._cache = null;
  $("#messages").replaceChildren();
  renderSidebar();
  renderHeader();
  pinned = true;
  await refresh();
}

function renderHeader() {
  const channel = channelOf(S.current);
  if (!channel) return;
  const member = channel.members.includes(S.me);
  let title = `# ${channel.name}`;
  let about = channel.about || "";
  let notice = "";
  if (channel.kind === "im") {
    const owner = S.users.get(channel.im_user);
    if (channel.im_user === S.me) {
      title = "kpibot";
      about = "Your direct messages with kpibot: alerts for the KPIs you own, and charts of your /kpi answers.";
    } else {
      title = `${owner.real_name} ↔ kpibot`;
      about = `Demo view of ${owner.real_name}'s direct messages with kpibot.`;
      notice = `You are peeking at ${esc(owner.real_name)}'s DM. <button type="button" class="link" data-act-as="${esc(owner.id)}">Act as ${esc(owner.real_name)}</button> to use its buttons.`;
    }
  } else if (!member) {
    notice = `${esc(ctx.userName(S.me))} is not a member of #${esc(channel.name)}: you can read it and click its buttons, but not type here.`;
  }
  $("#conv-title").textContent = title;
  $("#conv-about").textContent = about;
  $("#composer-input").disabled = !member;
  $("#composer-input").placeholder = member ? `Message ${channel.kind === "im" ? "kpibot" : `#${channel.name}`}: try /kpi mrr` : "You cannot type here";
  $("#composer-notice").innerHTML = notice;
  $("#composer-notice").hidden = !notice;
}

// ------------------------------------------------------------------ timeline
let pinned = true; // the list follows new messages while the reader is at the bottom
let refreshing = null;
let again = false;

export async function refresh() {
  if (refreshing) { again = true; return refreshing; }
  refreshing = (async () => {
    do {
      again = false;
      if (!S.current) break;
      const url = `/api/timeline?channel=${encodeURIComponent(S.current)}&viewer=${encodeURIComponent(S.me)}`;
      try {
        const data = await api(url);
        if (data.channel !== S.current) continue;
        S.messages = data.messages;
        S.files = data.files;
        renderTimeline();
      } catch (error) {
        toast(error.message, { error: true });
      }
    } while (again);
  })();
  try { await refreshing; } finally { refreshing = null; }
}

let timer = null;
export function scheduleRefresh() {
  clearTimeout(timer);
  timer = setTimeout(refresh, 60);
}

function renderTimeline() {
  const list = $("#messages");
  const entries = timelineEntries(S.messages, ctx);
  if (!S.messages.length) {
    const channel = channelOf(S.current);
    entries.push({ key: "empty", html: `<div class="empty"><b>This is the very beginning of ${channel && channel.kind !== "im" ? "#" + esc(channel.name) : "your conversation with kpibot"}.</b><br>${esc((channel && channel.about) || "Type /kpi help to see what kpibot can do.")}</div>` });
  }
  patchList(list, entries);
  if (pinned) list.scrollTop = list.scrollHeight;
  renderThread();
}

function renderThread() {
  const pane = $("#thread");
  const parent = S.thread && S.messages.find((m) => m.ts === S.thread);
  pane.hidden = !parent;
  document.body.classList.toggle("with-thread", !!parent);
  if (!parent) return;
  const channel = channelOf(S.current);
  $("#thread-channel").textContent = channel && channel.kind !== "im" ? `#${channel.name}` : "kpibot";
  patchList($("#thread-messages"), threadEntries(parent, ctx));
}

// ------------------------------------------------------------------ interactions
async function actInHome(target) {
  const body = { user: S.me, action_id: target.dataset.actionId, block_id: target.dataset.blockId || null };
  if (target.tagName === "SELECT") body.selected = target.value;
  else if (target.dataset.value !== undefined) body.value = target.dataset.value;
  if (target.dataset.confirm && !(await confirmed(JSON.parse(target.dataset.confirm)))) {
    if (target.tagName === "SELECT") target.value = "";
    return;
  }
  target.disabled = true;
  try {
    await api("/api/home/click", body);
    await refreshHome();
  } catch (error) {
    toast(error.message, { error: true });
  } finally {
    target.disabled = false;
  }
}

async function act(target) {
  if (target.closest("[data-home-view]")) { actInHome(target); return; }
  const msg = target.closest(".msg");
  const body = {
    user: S.me,
    channel: S.current,
    ts: msg.dataset.ts,
    action_id: target.dataset.actionId,
    block_id: target.dataset.blockId || null,
  };
  if (target.tagName === "SELECT") body.selected = target.value;
  else if (target.dataset.value !== undefined) body.value = target.dataset.value;
  if (target.dataset.confirm && !(await confirmed(JSON.parse(target.dataset.confirm)))) {
    if (target.tagName === "SELECT") target.value = "";
    return;
  }
  target.disabled = true;
  try {
    await api("/api/click", body);
  } catch (error) {
    toast(error.message, { error: true });
  } finally {
    target.disabled = false;
    if (target.tagName === "SELECT") target.value = "";
  }
}

// A Block Kit confirm object as Slack shows it: a small dialog with its own button labels.
function confirmed(confirm) {
  const dialog = $("#confirm-dialog");
  $("#confirm-title").textContent = (confirm.title && confirm.title.text) || "Are you sure?";
  $("#confirm-text").textContent = (confirm.text && confirm.text.text) || "";
  $("#confirm-ok").textContent = (confirm.confirm && confirm.confirm.text) || "Yes";
  $("#confirm-deny").textContent = (confirm.deny && confirm.deny.text) || "Cancel";
  $("#confirm-ok").className = confirm.style === "danger" ? "btn-danger" : "btn-primary";
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true }));
}

async function openMyDm() {
  const { channel } = await api("/api/dm", { user: S.me });
  await loadState();
  await selectChannel(channel);
}

export async function actAs(id) {
  S.me = id;
  localStorage.setItem("kpibot-demo-as", S.users.get(id).name);
  $("#actas").value = id;
  renderSidebar();
  if (S.home) await selectHome();
  else { renderHeader(); await refresh(); }
  toast(`You are now ${ctx.userName(id)}`);
}

function wireEvents() {
  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-home],[data-channel],[data-open-dm],[data-thread],[data-act-as],#thread-close,button.btn[data-action-id]");
    if (!target) return;
    event.preventDefault();
    if (target.matches("button.btn[data-action-id]")) act(target);
    else if (target.dataset.home) selectHome();
    else if (target.dataset.openDm) openMyDm().catch((e) => toast(e.message, { error: true }));
    else if (target.dataset.channel) { if (channelOf(target.dataset.channel)) selectChannel(target.dataset.channel); }
    else if (target.dataset.thread) { S.thread = target.dataset.thread; renderThread(); }
    else if (target.dataset.actAs) actAs(target.dataset.actAs);
    else if (target.id === "thread-close") { S.thread = null; renderThread(); }
  });
  document.addEventListener("change", (event) => {
    if (event.target.matches("select[data-action-id]") && event.target.value) act(event.target);
  });
  $("#actas").addEventListener("change", (event) => actAs(event.target.value));
  $("#drawer-toggle").addEventListener("click", () => setDrawer(!document.body.classList.contains("drawer-open")));
  $("#scrim").addEventListener("click", () => setDrawer(false));
  const list = $("#messages");
  list.addEventListener("scroll", () => { pinned = list.scrollHeight - list.scrollTop - list.clientHeight < 80; });
  list.addEventListener("load", () => { if (pinned) list.scrollTop = list.scrollHeight; }, true);
  $("#composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("#composer-input");
    const text = input.value.trim();
    if (!text) return;
    if (!text.startsWith("/")) { toast("This demo sends slash commands: try /kpi mrr", { error: true }); return; }
    input.disabled = true;
    try {
      await api("/api/command", { user: S.me, channel: S.current, text });
      input.value = "";
      pinned = true;
    } catch (error) {
      toast(error.message, { error: true });
    } finally {
      input.disabled = false;
      input.focus();
    }
  });
  document.querySelectorAll("[data-try]").forEach((chip) => chip.addEventListener("click", () => {
    $("#composer-input").value = chip.dataset.try;
    $("#composer").requestSubmit();
  }));
}

function connectEvents() {
  const source = new EventSource("/api/events");
  source.onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (event.kind === "clock" || event.kind === "hello") { showClock(event.now); return; }
    if (event.kind === "advance") { showClock(event.now); showAdvance(event); return; }
    if (event.kind === "channel_created" || event.kind === "channel_changed" || event.kind === "user_added") {
      loadState().then(scheduleRefresh);
      return;
    }
    if (event.kind === "resync") { scheduleRefresh(); return; }
    if (event.kind === "home_published") { if (S.home && event.user === S.me) refreshHome().catch(() => {}); return; }
    if (!event.channel) return;
    if (event.kind.startsWith("ephemeral") && event.user !== S.me) return;
    if (event.channel === S.current) scheduleRefresh();
    else if (event.kind === "message" || event.kind === "ephemeral") {
      const channel = channelOf(event.channel);
      if (!channel || (channel.kind === "im" && channel.im_user !== S.me)) return; // someone else's DM
      S.unread.add(event.channel);
      renderSidebar();
    }
  };
  source.onopen = () => { document.body.classList.remove("offline"); scheduleRefresh(); };
  source.onerror = () => document.body.classList.add("offline");
}

async function main() {
  wireEvents();
  await loadState();
  setupTour(S.state);
  const wanted = (params.get("channel") || "general").replace(/^#/, "");
  const start = S.channels.find((c) => c.name === wanted && c.kind !== "im") || S.channels[0];
  await selectChannel(start.id);
  connectEvents();
  document.body.dataset.ready = "1";
}

main().catch((error) => toast(`The demo could not start: ${error.message}`, { error: true }));
