// A hospital's 费用明细 file (Excel or CSV) checked through POST /v1/bills/sheet.  The file stays in
// the browser: when a header cannot be placed, the answers are asked for here and the file is sent
// again with them (the service remembers them for the hospital).
(function () {
  const $ = (id) => document.getElementById(id);
  const form = $("sheet-form"), mappingForm = $("mapping-form"), fields = $("mapping-fields"), note = $("sheet-note");
  const OUTCOMES = { violation: "违规", suspect: "可疑", pass: "通过" };
  let mapping = {}, defaults = {};

  function element(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text != null) node.textContent = text;
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    return node;
  }

  function ask(layout) {
    fields.replaceChildren();
    const parts = [];
    if (layout.unplaced.length) parts.push("有 " + layout.unplaced.length + " 列无法自动识别，请指明对应的内容（不需要的选“不使用此列”）");
    if (layout.missing.length) parts.push("缺少：" + layout.missing.map((m) => m.label).join("、") + "（请在上面为某列指定）");
    if (layout.bill_values_needed.length) parts.push("文件中没有" + layout.bill_values_needed.map((m) => m.label).join("、") + "，请填写整份文件的取值");
    $("mapping-intro").textContent = parts.join("；") + "。";
    layout.unplaced.forEach((header, i) => {
      const id = "map-" + i;
      const select = element("select", null, { id, "data-header": header });
      select.append(element("option", "请选择", { value: "" }));
      for (const [column, label] of Object.entries(layout.choices)) select.append(element("option", label, { value: column }));
      const row = element("div", null, { class: "row" });
      row.append(element("label", "列“" + header + "”是", { for: id }), select);
      fields.append(row);
    });
    for (const need of layout.bill_values_needed) {
      const id = "default-" + need.column;
      let input;
      if (need.column === "sex") {
        input = element("select", null, { id, "data-default": "sex" });
        for (const [v, t] of [["", "请选择"], ["M", "男"], ["F", "女"]]) input.append(element("option", t, { value: v }));
      } else if (need.column === "encounter_type") {
        input = element("select", null, { id, "data-default": "encounter_type" });
        for (const [v, t] of [["", "请选择"], ["inpatient", "住院"], ["outpatient", "门诊"]]) input.append(element("option", t, { value: v }));
      } else {
        input = element("input", null, { id, type: need.column.endsWith("date") || need.column.endsWith("_on") ? "date" : "text",
                                         "data-default": need.column });
      }
      const row = element("div", null, { class: "row" });
      row.append(element("label", need.label + "（整份文件）", { for: id }), input);
      fields.append(row);
    }
    mappingForm.hidden = false;
  }

  async function send() {
    const file = $("sheet-file").files[0];
    if (!file) return;
    window.billResults.reset();
    note.hidden = true;
    const data = new FormData();
    data.append("file", file);
    if ($("sheet-hospital").value.trim()) data.append("fixmedins_code", $("sheet-hospital").value.trim());
    if ($("sheet-grade").value) data.append("grade", $("sheet-grade").value);
    data.append("mapping", JSON.stringify(mapping));
    data.append("defaults", JSON.stringify(defaults));
    const response = await fetch("/v1/bills/sheet", { method: "POST", credentials: "same-origin", body: data });
    const answer = await response.json().catch(() => ({ message: response.statusText }));
    if (!response.ok) {
      window.billResults.problems([(answer.message || "无法审核") +
        (answer.fields || []).map((f) => "；" + (f.label || f.field) + "：" + f.reason).join("")]);
      return;
    }
    if (answer.status === "needs_mapping") { ask(answer.layout); return; }
    mappingForm.hidden = true;
    const problems = [];
    let findings = 0;
    const outcomes = { pass: 0, suspect: 0, violation: 0 };
    for (const bill of answer.bills) {
      if (bill.status === "invalid") {
        problems.push("单据 " + bill.bill_id + "（第 " + bill.first_row + "–" + bill.last_row + " 行）无法审核：" +
          bill.problems.map((p) => (p.row ? "第 " + p.row + " 行 " : "") + p.field + " " + p.reason).join("；"));
        continue;
      }
      outcomes[bill.result.outcome] += 1; findings += bill.result.findings.length;
      await window.billResults.show({ lines: bill.line_items }, bill.result);
    }
    if (problems.length) window.billResults.problems(problems);
    const t = answer.totals;
    const skipped = answer.skipped.length ? "；跳过 " + answer.skipped.length + " 行（" + answer.skipped.map((s) => "第 " + s.row + " 行" + s.reason).join("、") + "）" : "";
    window.billResults.finish("文件共 " + t.lines + " 条明细、" + t.bills + " 张单据：违规 " + outcomes.violation + "，可疑 " +
      outcomes.suspect + "，通过 " + outcomes.pass + "；收费合计 " + t.charged + " 元，涉及金额 " + t.at_risk + " 元；" +
      (findings ? "问题 " + findings + " 条" : "未发现问题") + skipped + "。");
    if (answer.remembered) { note.textContent = "已按医院 " + $("sheet-hospital").value.trim() + " 记住这些列的对应关系，下次无需再选。"; note.hidden = false; }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); mapping = {}; defaults = {}; send(); });
  mappingForm.addEventListener("submit", (event) => {
    event.preventDefault();
    for (const select of fields.querySelectorAll("select[data-header]")) if (select.value) mapping[select.dataset.header] = select.value;
    for (const input of fields.querySelectorAll("[data-default]")) if (input.value) defaults[input.dataset.default] = input.value;
    send();
  });
})();
