// Block Kit to HTML, as a Slack client lays it out: header, section (text, fields, accessory), context,
// image (image_url or an uploaded slack_file), divider, actions (buttons, static_select, overflow),
// rich_text basics, and legacy attachments with their colour bar.
import { escapeHtml, mrkdwn, plain } from "./mrkdwn.js";

const esc = escapeHtml;

export function textObject(obj, ctx) {
  if (!obj) return "";
  if (typeof obj === "string") return mrkdwn(obj, ctx);
  return obj.type === "mrkdwn" ? mrkdwn(obj.text, ctx) : plain(obj.text);
}

function fileUrl(ref, ctx) {
  if (!ref) return null;
  if (ref.url) return ref.url;
  const entry = ctx.files[ref.id];
  return entry && entry.url ? entry.url : null;
}

function image(block, ctx, cls) {
  const url = block.image_url || fileUrl(block.slack_file, ctx);
  const alt = esc(block.alt_text || "");
  if (!url) return `<div class="${cls} missing" title="${alt}">Image not available</div>`;
  return `<img class="${cls}" src="${esc(url)}" alt="${alt}" title="${alt}" loading="eager">`;
}

// Interactive elements carry what a click needs; the page posts it to /api/click.
function actionAttrs(element, blockId) {
  const attrs = { "data-action-id": element.action_id || "", "data-block-id": blockId || "" };
  if (element.value !== undefined) attrs["data-value"] = element.value;
  if (element.confirm) attrs["data-confirm"] = JSON.stringify(element.confirm);
  return Object.entries(attrs).map(([k, v]) => `${k}="${esc(v)}"`).join(" ");
}

function option(opt) {
  return `<option value="${esc(opt.value)}">${esc(opt.text && opt.text.text ? opt.text.text : opt.value)}</option>`;
}

function element(el, blockId, ctx) {
  switch (el.type) {
    case "button": {
      const style = el.style ? ` btn-${esc(el.style)}` : "";
      if (el.url && !el.action_id) {
        return `<a class="btn${style}" href="${esc(el.url)}" target="_blank" rel="noopener">${plain(el.text.text)}</a>`;
      }
      return `<button type="button" class="btn${style}" ${actionAttrs(el, blockId)}>${plain(el.text.text)}</button>`;
    }
    case "static_select":
    case "overflow": {
      const groups = el.option_groups
        ? el.option_groups.map((g) => `<optgroup label="${esc(g.label.text)}">${g.options.map(option).join("")}</optgroup>`).join("")
        : (el.options || []).map(option).join("");
      const label = el.type === "overflow" ? "⋯" : esc((el.placeholder && el.placeholder.text) || "Select an option");
      const cls = el.type === "overflow" ? "select overflow" : "select";
      return `<select class="${cls}" ${actionAttrs(el, blockId)} aria-label="${label}"><option value="" selected disabled>${label}</option>${groups}</select>`;
    }
    case "image":
      return image(el, ctx, "accessory-image");
    default:
      return `<span class="unsupported">[${esc(el.type)}]</span>`;
  }
}

function richText(elements, ctx) {
  const inline = (items) => (items || []).map((item) => {
    if (item.type === "text") {
      let html = esc(item.text).replace(/\n/g, "<br>");
      const s = item.style || {};
      if (s.code) html = `<code>${html}</code>`;
      if (s.bold) html = `<b>${html}</b>`;
      if (s.italic) html = `<i>${html}</i>`;
      if (s.strike) html = `<s>${html}</s>`;
      return html;
    }
    if (item.type === "link") return `<a href="${esc(item.url)}" target="_blank" rel="noopener">${esc(item.text || item.url)}</a>`;
    if (item.type === "user") return mrkdwn(`<@${item.user_id}>`, ctx);
    if (item.type === "channel") return mrkdwn(`<#${item.channel_id}>`, ctx);
    if (item.type === "emoji") return item.unicode ? String.fromCodePoint(...item.unicode.split("-").map((h) => parseInt(h, 16))) : `:${esc(item.name)}:`;
    return "";
  }).join("");
  return elements.map((el) => {
    if (el.type === "rich_text_section") return `<div>${inline(el.elements)}</div>`;
    if (el.type === "rich_text_preformatted") return `<pre>${inline(el.elements)}</pre>`;
    if (el.type === "rich_text_quote") return `<blockquote>${inline(el.elements)}</blockquote>`;
    if (el.type === "rich_text_list") {
      const tag = el.style === "ordered" ? "ol" : "ul";
      return `<${tag}>${el.elements.map((item) => `<li>${inline(item.elements)}</li>`).join("")}</${tag}>`;
    }
    return "";
  }).join("");
}

export function block(b, ctx) {
  const id = b.block_id || "";
  switch (b.type) {
    case "header":
      return `<div class="b-header">${plain(b.text.text)}</div>`;
    case "section": {
      const text = b.text ? `<div class="b-text">${textObject(b.text, ctx)}</div>` : "";
      const fields = b.fields ? `<div class="b-fields">${b.fields.map((f) => `<div class="b-field">${textObject(f, ctx)}</div>`).join("")}</div>` : "";
      const accessory = b.accessory ? `<div class="b-accessory">${element(b.accessory, id, ctx)}</div>` : "";
      return `<div class="b-section"><div class="b-main">${text}${fields}</div>${accessory}</div>`;
    }
    case "context":
      return `<div class="b-context">${b.elements.map((el) => (el.type === "image" ? image(el, ctx, "context-image") : `<span>${textObject(el, ctx)}</span>`)).join("")}</div>`;
    case "image": {
      const title = b.title ? `<div class="b-image-title">${plain(b.title.text)}</div>` : "";
      return `<figure class="b-image-wrap">${title}${image(b, ctx, "b-image")}</figure>`;
    }
    case "divider":
      return `<hr class="b-divider">`;
    case "actions":
      return `<div class="b-actions">${b.elements.map((el) => element(el, id, ctx)).join("")}</div>`;
    case "rich_text":
      return `<div class="b-rich">${richText(b.elements || [], ctx)}</div>`;
    default:
      return `<div class="unsupported">[unsupported block: ${esc(b.type)}]</div>`;
  }
}

export function blocks(list, ctx) {
  return (list || []).map((b) => block(b, ctx)).join("");
}

export function attachments(list, ctx) {
  return (list || []).map((a) => {
    const color = /^#?[0-9a-f]{3,8}$/i.test(a.color || "") ? (a.color.startsWith("#") ? a.color : `#${a.color}`)
      : ({ good: "#2eb67d", warning: "#ecb22e", danger: "#e01e5a" }[a.color] || "#dddddd");
    const parts = [];
    if (a.pretext) parts.push(`<div class="b-text">${mrkdwn(a.pretext, ctx)}</div>`);
    if (a.title) parts.push(`<div class="att-title">${plain(a.title)}</div>`);
    if (a.text) parts.push(`<div class="b-text">${mrkdwn(a.text, ctx)}</div>`);
    if (a.fields) parts.push(`<div class="b-fields">${a.fields.map((f) => `<div class="b-field"><b>${plain(f.title)}</b><br>${mrkdwn(f.value, ctx)}</div>`).join("")}</div>`);
    if (a.blocks) parts.push(blocks(a.blocks, ctx));
    if (a.footer) parts.push(`<div class="b-context"><span>${mrkdwn(a.footer, ctx)}</span></div>`);
    return `<div class="attachment" style="--bar:${esc(color)}">${parts.join("")}</div>`;
  }).join("");
}

export function files(list) {
  return (list || []).map((f) => {
    if ((f.mimetype || "").startsWith("image/")) {
      return `<figure class="file"><div class="file-name">${esc(f.name)}</div><img class="file-image" src="${esc(f.url_private)}" alt="${esc(f.alt_txt || f.title || f.name)}"></figure>`;
    }
    return `<a class="file-chip" href="${esc(f.url_private_download)}">${esc(f.name)}</a>`;
  }).join("");
}
