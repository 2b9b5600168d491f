// The demo server's JSON API, and the page's one-line notices.

export async function api(path, body) {
  const options = body === undefined
    ? {}
    : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
  if (!response.ok || data.ok === false) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

let timer = null;
export function toast(message, { error = false } = {}) {
  const box = document.querySelector("#toast");
  box.textContent = message;
  box.className = error ? "show error" : "show";
  box.setAttribute("role", error ? "alert" : "status");
  clearTimeout(timer);
  timer = setTimeout(() => { box.className = ""; }, error ? 7000 : 3500);
}
