// The message list and the thread pane: Slack's JSON to DOM, updated in place (keyed by ts), so live
// updates never reload images or lose the scroll position.
import { attachments, blocks, files } from "./blocks.js";
import { escapeHtml as esc, mrkdwn } from "./mrkdwn.js";

const BOT_AVATAR = `<svg viewBox="0 0 36 36" aria-hidden="true"><rect x="8" y="19" width="5" height="9" rx="1.5"/><rect x="15.5" y="13" width="5" height="15" rx="1.5"/><rect x="23" y="8" width="5" height="20" rx="1.5"/></svg>`;
const EYE = `<svg viewBox="0 0 20 20" aria-hidden="true"><path d="M10 4C5.5 4 2.2 7.3 1 10c1.2 2.7 4.5 6 9 6s7.8-3.3 9-6c-1.2-2.7-4.5-6-9-6zm0 10a4 4 0 110-8 4 4 0 010 8zm0-2.2a1.8 1.8 0 100-3.6 1.8 1.8 0 000 3.6z"/></svg>`;

export function timeOf(ts, options) {
  return new Date(Number(ts) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23", ...options });
}

function dayOf(ts) {
  return new Date(Number(ts) * 1000).toLocaleDateString([], { weekday: "long", month: "long", day: "numeric" });
}

function initials(name) {
  return name.split(/[\s()-]+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join("");
}

function hue(text) {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) % 360;
  return h;
}

function author(m, ctx) {
  if (m.user === "USLACKBOT") return { name: "Slackbot", avatar: `<div class="avatar avatar-slackbot">S</div>`, app: false };
  const user = ctx.users.get(m.user);
  if (m.bot_id || (user && user.is_bot)) {
    const name = (m.bot_profile && m.bot_profile.name) || (user && user.real_name) || "kpibot";
    return { name, avatar: `<div class="avatar avatar-bot">${BOT_AVATAR}</div>`, app: true };
  }
  const name = user ? user.real_name : m.user;
  return { name, avatar: `<div class="avatar" style="--hue:${hue(name)}">${esc(initials(name))}</div>`, app: false };
}

export function messageHtml(m, ctx, { inThread = false } = {}) {
  const who = author(m, ctx);
  const ephemeral = m.is_ephemeral || m.subtype === "ephemeral";
  const edited = m.edited ? `<span class="edited" title="edited at ${timeOf(m.edited.ts)}">(edited)</span>` : "";
  const note = ephemeral ? `<div class="eph-note">${EYE}<span>Only visible to you</span></div>` : "";
  const hasBlocks = m.blocks && m.blocks.length;
  const body = hasBlocks ? blocks(m.blocks, ctx) : m.text ? `<div class="b-text">${mrkdwn(m.text, ctx)}</div>` : "";
  const replies = m.replies || [];
  const thread = !inThread && replies.length
    ? `<button type="button" class="reply-link" data-thread="${esc(m.ts)}"><span class="reply-count">${replies.length} ${replies.length === 1 ? "reply" : "replies"}</span><span class="reply-last">Last reply ${timeOf(replies[replies.length - 1].ts)}</span></button>`
    : "";
  const broadcast = m.subtype === "thread_broadcast" ? `<div class="broadcast">replied to a thread</div>` : "";
  const cls = ["msg", ephemeral ? "ephemeral" : "", m.edited ? "is-edited" : ""].filter(Boolean).join(" ");
  return `<div class="${cls}" data-ts="${esc(m.ts)}" data-ephemeral="${ephemeral ? "1" : ""}">
    ${note}
    <div class="msg-row">${who.avatar}
      <div class="msg-body">
        <div class="meta"><span class="author">${esc(who.name)}</span>${who.app ? `<span class="app-badge">APP</span>` : ""}<time title="${dayOf(m.ts)} ${timeOf(m.ts, { second: "2-digit", timeZoneName: "short" })}">${timeOf(m.ts)}</time>${edited}</div>
        ${broadcast}<div class="content">${body}${attachments(m.attachments, ctx)}${files(m.files)}</div>${thread}
      </div>
    </div>
  </div>`;
}

function toElement(html) {
  const holder = document.createElement("div");
  holder.innerHTML = html.trim();
  return holder.firstElementChild;
}

// Replace the container's children with `entries` ({key, html}), reusing unchanged elements.
export function patchList(container, entries) {
  const cache = container._cache || new Map();
  const next = new Map();
  const elements = entries.map(({ key, html }) => {
    const old = cache.get(key);
    const el = old && old.html === html ? old.el : toElement(html);
    if (old && old.html !== html && el.classList.contains("msg")) el.classList.add("updated"); // edited in place
    next.set(key, { html, el });
    return el;
  });
  const same = elements.length === container.children.length && elements.every((el, i) => container.children[i] === el);
  if (!same) container.replaceChildren(...elements);
  container._cache = next;
}

export function timelineEntries(messages, ctx) {
  const entries = [];
  let day = null;
  for (const m of messages) {
    const d = dayOf(m.ts);
    if (d !== day) {
      entries.push({ key: `day:${d}`, html: `<div class="day-sep"><span>${esc(d)}</span></div>` });
      day = d;
    }
    entries.push({ key: m.ts, html: messageHtml(m, ctx) });
  }
  return entries;
}

export function threadEntries(parent, ctx) {
  const replies = parent.replies || [];
  const count = `<div class="thread-count">${replies.length} ${replies.length === 1 ? "reply" : "replies"}</div>`;
  return [
    { key: `parent:${parent.ts}`, html: messageHtml(parent, ctx, { inThread: true }) },
    { key: "count", html: count },
    ...replies.map((r) => ({ key: r.ts, html: messageHtml(r, ctx, { inThread: true }) })),
  ];
}
