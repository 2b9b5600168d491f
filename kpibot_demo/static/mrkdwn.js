// Slack's mrkdwn to HTML: *bold*, _italic_, ~strike~, `code`, ```pre```, > quotes, <@U..> mentions,
// <#C..> channels, <!here>, <url|text> links, :emoji: shortcodes. Everything else is escaped text.

const EMOJI = {
  white_check_mark: "✅", warning: "⚠️", rotating_light: "🚨", bar_chart: "📊", chart_with_upwards_trend: "📈",
  chart_with_downwards_trend: "📉", clipboard: "📋", calendar: "📅", alarm_clock: "⏰", thread: "🧵",
  triangular_flag_on_post: "🚩", trophy: "🏆", star: "⭐", email: "📧", eyes: "👀", bell: "🔔",
  no_bell: "🔕", zzz: "💤", large_green_circle: "🟢", large_yellow_circle: "🟡", red_circle: "🔴",
  white_circle: "⚪", large_orange_circle: "🟠", large_blue_circle: "🔵", information_source: "ℹ️",
  heavy_check_mark: "✔️", x: "❌", tada: "🎉", fire: "🔥", mag: "🔍", memo: "📝", sparkles: "✨",
};

// Coloured status dots are drawn with CSS so they look the same on every machine.
const DOTS = { "🟢": "green", "🟡": "yellow", "🔴": "red", "⚪": "white", "🟠": "orange", "🔵": "blue" };

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function decodeEntities(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

export function emojify(html) {
  const named = html.replace(/:([a-z][a-z0-9_+-]*):/g, (whole, name) => EMOJI[name] || whole);
  const dotted = named.replace(/🟢|🟡|🔴|⚪|🟠|🔵/gu, (dot) => `<span class="dot dot-${DOTS[dot]}" role="img" aria-label="${DOTS[dot]}"></span>`);
  // the goal-standing marker: drawn, not a font glyph, and never coloured (colours mean health)
  return dotted.replace(/🎯/gu, '<span class="goal-mark" role="img" aria-label="goal"></span>');
}

// Plain text (plain_text objects, headers, button labels): escaped, emoji shown.
export function plain(text) {
  return emojify(escapeHtml(text || ""));
}

function token(body, ctx) {
  const [target, label] = splitOnce(body, "|");
  if (target.startsWith("@")) {
    const id = target.slice(1);
    const name = label || ctx.userName(id);
    const me = id === ctx.me ? " me" : "";
    return `<span class="mention${me}" data-user="${escapeHtml(id)}">@${escapeHtml(name)}</span>`;
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    const name = label || ctx.channelName(id);
    return `<a class="channel-link" href="#" data-channel="${escapeHtml(id)}">#${escapeHtml(name)}</a>`;
  }
  if (target.startsWith("!")) {
    const special = target.slice(1);
    if (special.startsWith("date^")) return escapeHtml(label || special);
    if (special.startsWith("subteam^")) return `<span class="mention special">${escapeHtml(label || "@group")}</span>`;
    return `<span class="mention special">@${escapeHtml(label || special)}</span>`;
  }
  const url = decodeEntities(target);
  const safe = /^(https?:|mailto:)/i.test(url) ? url : "#";
  const text = label ? decodeEntities(label) : url.replace(/^mailto:/i, "");
  return `<a href="${escapeHtml(safe)}" target="_blank" rel="noopener noreferrer">${escapeHtml(text)}</a>`;
}

function splitOnce(text, separator) {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
}

function styles(html) {
  const open = "(^|[\\s(\\[>\uE001*_~\"'-])";
  const close = "(?=$|[\\s).,!?:;\\]<\uE000*_~\"'-])";
  return html
    .replace(new RegExp(`${open}\\*(?!\\s)([^*\\n]*?[^*\\s])\\*${close}`, "g"), "$1<b>$2</b>")
    .replace(new RegExp(`${open}_(?!\\s)([^_\\n]*?[^_\\s])_${close}`, "g"), "$1<i>$2</i>")
    .replace(new RegExp(`${open}~(?!\\s)([^~\\n]*?[^~\\s])~${close}`, "g"), "$1<s>$2</s>");
}

function quotes(html) {
  const lines = html.split("\n");
  const out = [];
  let quote = [];
  const flush = () => {
    if (quote.length) out.push(`<blockquote>${quote.join("<br>")}</blockquote>`);
    quote = [];
  };
  for (const line of lines) {
    if (line.startsWith("&gt;")) {
      quote.push(line.replace(/^&gt;\s?/, ""));
    } else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out.join("\n").replace(/\n?(<blockquote>)/g, "$1").replace(/(<\/blockquote>)\n/g, "$1");
}

// mrkdwn text to HTML. ctx: {userName(id), channelName(id), me}
export function mrkdwn(text, ctx) {
  const held = [];
  const hold = (html) => `\uE000${held.push(html) - 1}\uE001`;
  let source = String(text || "");
  source = source.replace(/```([\s\S]*?)```/g, (_, code) => hold(`<pre>${escapeHtml(decodeEntities(code.replace(/^\n/, "")))}</pre>`));
  source = source.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code>${escapeHtml(decodeEntities(code))}</code>`));
  source = source.replace(/<([^<>\n]+)>/g, (_, body) => hold(token(body, ctx)));
  let html = escapeHtml(decodeEntities(source));
  html = emojify(quotes(styles(html))).replace(/\n/g, "<br>");
  return html.replace(/\uE000(\d+)\uE001/g, (_, index) => held[Number(index)]);
}
