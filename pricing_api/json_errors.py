"""Where a JSON text stops being JSON, said in Chinese: the line, the column and what is wrong.

Three parsers read JSON bodies here (pydantic's, msgspec's, and the standard library's through
FastAPI), each with its own English message and its own idea of a position (a byte offset, a
character, a line and column).  When any of them refuses a text, it is read again with the
standard library — an error is rare, so the second reading costs nothing that matters — whose
errors carry a character position and come from a short, fixed list that can be said in Chinese.
Lines and columns count from 1, columns in characters, as an editor shows them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

#: The standard library's messages (CPython's json module), start of the message → Chinese.
_REASONS = (
    ("Expecting value", "此处应有一个值（对象、数组、字符串、数字、true、false 或 null）；可能多了逗号"),
    ("Expecting property name enclosed in double quotes", "此处应为用英文双引号括起的字段名；最后一项后面不能有逗号"),
    ("Illegal trailing comma", "最后一项后面不能有逗号"),
    ("Expecting ':' delimiter", "字段名后面应为英文冒号 :"),
    ("Expecting ',' delimiter", "此处应为英文逗号 ,（两项之间缺少逗号，或括号不配对）"),
    ("Extra data", "JSON 在此之前已经结束，后面还有内容（一张单据只能是一个对象；多张单据请每行一张）"),
    ("Unterminated string", "字符串缺少结尾的英文双引号"),
    ("Invalid control character", "字符串中有未转义的控制字符（如换行、制表符）"),
    ("Invalid \\uXXXX escape", "无效的 \\u 转义（应为 \\u 加 4 位十六进制数）"),
    ("Invalid \\escape", "无效的转义（反斜杠 \\ 须写成 \\\\）"),
    ("Unexpected UTF-8 BOM", "开头有字节顺序标记（BOM），请去掉"),
)
_FULL_WIDTH = {"“": "中文引号", "”": "中文引号", "‘": "中文引号", "’": "中文引号", "，": "中文逗号", "：": "中文冒号",
               "｛": "全角括号", "｝": "全角括号", "［": "全角括号", "］": "全角括号"}


@dataclass(frozen=True)
class JsonSyntaxError:
    line: int
    column: int
    reason: str

    @property
    def message(self) -> str:
        return f"不是有效的 JSON：第 {self.line} 行第 {self.column} 列，{self.reason}"


def _position(text: str, index: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def _reason(message: str, text: str, index: int) -> str:
    punctuation = _FULL_WIDTH.get(text[index: index + 1])
    if punctuation:
        return f"此处是{punctuation}，JSON 须用英文标点（\" , : {{ }} [ ]）"
    if index >= len(text.rstrip()) and message.startswith(("Expecting", "Unterminated")):
        return "内容不完整（缺少结尾的 } 或 ]，或文字被截断）"
    return next((chinese for english, chinese in _REASONS if message.startswith(english)), "语法错误")


def syntax_error(document: bytes | str) -> JsonSyntaxError | None:
    """Where and why `document` is not JSON; None when the standard library reads it (the first
    parser refused something else: NaN, a lone surrogate escape…)."""
    if isinstance(document, bytes):
        try:
            text = document.decode("utf-8")
        except UnicodeDecodeError as exc:
            prefix = document[: exc.start].decode("utf-8", "replace")
            line, column = _position(prefix, len(prefix))
            return JsonSyntaxError(line, column, "此处的字节不是 UTF-8 编码的文字（请以 UTF-8 保存后再提交）")
    else:
        text = document
    if not text.strip():
        return JsonSyntaxError(1, 1, "内容为空")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        line, column = _position(text, exc.pos)
        return JsonSyntaxError(line, column, _reason(exc.msg, text, exc.pos))
    except RecursionError:
        return JsonSyntaxError(1, 1, "嵌套层数过多")
    return None
