// Search as you type: the same /v1/items API the page was rendered from (the session cookie authenticates).
(function () {
  const form = document.getElementById("search-form");
  const q = document.getElementById("q"), grade = document.getElementById("grade"), asOf = document.getElementById("as_of");
  const body = document.querySelector("#results tbody"), count = document.getElementById("count");
  let timer = null, serial = 0;

  function cell(text, cls) { const td = document.createElement("td"); td.textContent = text ?? ""; if (cls) td.className = cls; return td; }

  function render(page) {
    body.replaceChildren();
    for (const item of page.items) {
      const tr = document.createElement("tr");
      const code = document.createElement("td"), a = document.createElement("a");
      a.href = "/ui/items/" + encodeURIComponent(item.code) + (asOf.value ? "?as_of=" + asOf.value : "");
      a.textContent = item.code; code.append(a); tr.append(code, cell(item.name), cell(item.unit));
      if (item.self_priced) { const td = cell("自主定价", "num"); td.colSpan = 3; tr.append(td); }
      else tr.append(cell(item.prices.grade_3a, "num"), cell(item.prices.grade_3b, "num"), cell(item.prices.grade_2_or_below, "num"));
      tr.append(cell(item.child_markup && item.child_price ? item.child_price : "—", "num"), cell(item.source.document));
      body.append(tr);
    }
    count.textContent = page.total + " 个项目" + (asOf.value ? "" : "（未指定日期：显示各项目最新版本）");
  }

  async function search() {
    const mine = ++serial;
    const params = new URLSearchParams({ q: q.value.trim(), grade: grade.value, limit: "100" });
    if (asOf.value) params.set("as_of", asOf.value);
    history.replaceState(null, "", "/ui/items?" + params);
    const response = await fetch("/v1/items?" + params, { credentials: "same-origin" });
    if (mine !== serial) return;  // a newer search is under way
    if (!response.ok) {
      const error = await response.json().catch(() => ({ message: response.statusText }));
      count.textContent = "查询失败：" + error.message; body.replaceChildren(); return;
    }
    render(await response.json());
  }

  q.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 150); });
  grade.addEventListener("change", search); asOf.addEventListener("change", search);
  form.addEventListener("submit", (e) => { e.preventDefault(); search(); });
})();
