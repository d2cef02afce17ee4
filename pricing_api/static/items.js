// Search as you type: the same /v1/items API the page was rendered from (the session cookie authenticates).
// The search (text, grade, date, notice) is carried into each item's link, so the item page keeps the grade
// and its way back keeps the search.  Arrow keys move from the search box into the results and back.
(function () {
  const form = document.getElementById("search-form");
  const q = document.getElementById("q"), grade = document.getElementById("grade"), asOf = document.getElementById("as_of");
  const notice = document.getElementById("document");
  const table = document.getElementById("results"), body = table.querySelector("tbody"), count = document.getElementById("count");
  const GRADES = [["grade_3a", "三甲"], ["grade_3b", "三乙"], ["grade_2_or_below", "二级及以下"]];
  let timer = null, serial = 0;

  function cell(text, label, cls) {
    const td = document.createElement("td");
    td.textContent = text ?? ""; td.dataset.label = label; if (cls) td.className = cls;
    return td;
  }

  function state() {
    const params = new URLSearchParams();
    if (q.value.trim()) params.set("q", q.value.trim());
    params.set("grade", grade.value);
    if (asOf.value) params.set("as_of", asOf.value);
    if (notice.value) params.set("document", notice.value);
    return params;
  }

  function render(page) {
    body.replaceChildren();
    table.querySelectorAll("thead th").forEach((th, i) => th.classList.toggle("chosen", GRADES[i - 3]?.[0] === grade.value));
    const carried = state().toString();
    for (const item of page.items) {
      const tr = document.createElement("tr");
      const code = cell("", "编码"), a = document.createElement("a");
      a.href = "/ui/items/" + encodeURIComponent(item.code) + "?" + carried;
      a.textContent = item.code; code.append(a);
      tr.append(code, cell(item.name, "名称", "name"), cell(item.unit, "单位"));
      if (item.self_priced) { const td = cell("自主定价", "价格", "num"); td.colSpan = 3; tr.append(td); }
      else for (const [key, label] of GRADES) tr.append(cell(item.prices[key], label, "num" + (key === grade.value ? " chosen" : "")));
      tr.append(cell(item.child_markup && item.child_price ? item.child_price : "—", "儿童价", "num"), cell(item.source.document, "通知"));
      body.append(tr);
    }
    count.textContent = page.total + " 个项目" + (asOf.value ? "" : "（未指定日期：显示各项目最新版本）");
  }

  async function search() {
    const mine = ++serial;
    const params = state();
    history.replaceState(null, "", "/ui/items?" + params);
    params.set("limit", "100");
    const response = await fetch("/v1/items?" + params, { credentials: "same-origin" });
    if (mine !== serial) return;  // a newer search is under way
    if (!response.ok) {
      const error = await response.json().catch(() => ({ message: response.statusText }));
      count.textContent = "查询失败：" + error.message; body.replaceChildren(); return;
    }
    render(await response.json());
  }

  function links() { return Array.from(body.querySelectorAll("a")); }

  q.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown") return;
    const first = links()[0];
    if (first) { event.preventDefault(); first.focus(); }
  });
  body.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const all = links(), at = all.indexOf(document.activeElement);
    if (at < 0) return;
    event.preventDefault();
    const next = at + (event.key === "ArrowDown" ? 1 : -1);
    if (next < 0) q.focus(); else if (next < all.length) all[next].focus();
  });

  q.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 150); });
  grade.addEventListener("change", search); asOf.addEventListener("change", search); notice.addEventListener("change", search);
  form.addEventListener("submit", (e) => { e.preventDefault(); search(); });
})();
