"""Link the glossary terms on the Chinese pages: the first use of a term on a page becomes a link to its
row of the Chinese glossary, "[过拟合](glossary.zh.html#g-过拟合)"; the same for chapter mentions 第 05 章.

The terms are the first column of `nbs/glossary_table.md` (the table both glossaries include): each row's
first cell is `[损失 / 损失函数]{#g-损失}`, every name between the slashes is a term, and the row's anchor
is the span's id. Longer terms win (小批量 before 批量), and a term is linked once per page, at its first use
in the prose: code, math, links, headings, tables (a summary row is no place for a dozen links), embeds,
HTML comments, attributes and the front matter are left alone. A chapter mention `第 05 章` links to that chapter's Chinese page (only if not linked already).
Usage: python tools/link_glossary.py [PAGE.zh.qmd ...]          rewrite in place (default: every Chinese page)
       python tools/link_glossary.py --check [PAGE.zh.qmd ...]  list what would be linked, exit 1 if any
tests/test_zh.py fails on anything --check reports.
"""
import re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / "nbs"
TABLE = NBS / "glossary_table.md"
GLOSSARY = "glossary.zh.html"
_ROW = re.compile(r"^\|\s*\[([^\]]+)\]\{#(g-[^}\s]+)\}")
# spans that are not prose to link
_PROTECT = re.compile(r"\A---\n.*?\n---\n|<!--.*?-->|\{\{<.*?>\}\}|```.*?```|\[[^\]]*\]\([^)]*\)|\[[^\]]*\]\{[^}]*\}|"
                      r"`[^`]*`|\$\$.*?\$\$|\$[^$\n]*\$|<[^>]+>|(?m:^#{1,6} [^\n]*$)|(?m:^:::[^\n]*$)|(?m:^\|[^\n]*$)|\w+=\"[^\"]*\"", re.S)
_CHAPTER = re.compile(r"第\s*(\d\d[a-z]?)\s*章")


# Glossary words that Chinese prose mostly uses in their everyday sense (参数 is also a function's argument,
# 训练 any training, 误差 any error): linked only where the page marks the term itself, in bold (**误差**).
EVERYDAY = frozenset("参数 更新 迭代 误差 训练 事件 研究 搜索 反馈 方差 增益 稀疏 病态 饱和 批次 轮次 模型 特征 维度 代价".split())


def _names(cell):
    "The Chinese names in a table cell: split at '/', ',' and '、', markup and parentheses dropped."
    cell = re.sub(r"\([^)]*\)|（[^）]*）|\*\*|\[|\]\{[^}]*\}", "", cell)
    return [n.strip() for n in re.split(r"[/,、，]", cell) if len(n.strip()) >= 2 and re.fullmatch(r"[\u4e00-\u9fff\w·-]+", n.strip())
            and re.search(r"[\u4e00-\u9fff]", n)]


def terms(table=TABLE):
    "term -> anchor: every Chinese name of the table's first column and of its other-names column (the notes' words)."
    out = {}
    if not table.exists(): return out
    for line in table.read_text().splitlines():
        m = _ROW.match(line)
        if not m: continue
        cells = line.split(" | ")
        for name in _names(m.group(1)) + (_names(cells[1]) if len(cells) > 1 else []):
            out.setdefault(name, m.group(2))
    return out


def chapters():
    "chapter number -> its Chinese page's file name on the site."
    sys.path.insert(0, str(Path(__file__).parent))
    from zh_pages import output_file
    return {p.name.split("_")[0]: output_file(p.name[:-len(".zh.qmd")]) for p in NBS.glob("[0-8][0-9]*_*.zh.qmd")}


def link_text(text, own=None, vocab=None, chaps=None):
    "(`text` with each term's first use and each unlinked chapter mention linked, what was linked)."
    vocab = terms() if vocab is None else vocab
    chaps = chapters() if chaps is None else chaps
    done = {a for a in vocab.values() if f"{GLOSSARY}#{a})" in text}  # already linked somewhere on the page
    names = sorted(vocab, key=len, reverse=True)
    pat = re.compile("|".join(map(re.escape, names))) if names else None
    linked = []

    def prose(part):
        def chapter(m):
            num = m.group(1)
            if num not in chaps or num == own: return m.group(0)
            linked.append(m.group(0))
            return f"[{m.group(0)}]({chaps[num]})"
        part = _CHAPTER.sub(chapter, part)
        if pat is None: return part
        out, pos = [], 0
        for m in pat.finditer(part):
            anchor = vocab[m.group(0)]
            if anchor in done: continue
            if m.group(0) in EVERYDAY and not (part[max(m.start() - 2, 0):m.start()] == "**" == part[m.end():m.end() + 2]): continue
            done.add(anchor)
            linked.append(m.group(0))
            out += [part[pos:m.start()], f"[{m.group(0)}]({GLOSSARY}#{anchor})"]
            pos = m.end()
        return "".join(out) + part[pos:]

    pieces, keep = _PROTECT.split(text), _PROTECT.findall(text)
    out = [prose(p) for p in pieces]
    return "".join(o + (keep[i] if i < len(keep) else "") for i, o in enumerate(out)), linked


def pages(args):
    return [Path(a) for a in args] or sorted(p for p in NBS.glob("*.zh.qmd") if p.name != "glossary.zh.qmd")


def main(argv):
    check = "--check" in argv
    vocab, chaps, total = terms(), chapters(), 0
    for p in pages([a for a in argv if a != "--check"]):
        own = p.name.split("_")[0] if p.name[:2].isdigit() else None
        new, linked = link_text(p.read_text(), own, vocab, chaps)
        total += len(linked)
        if linked and not check: p.write_text(new)
        print(f"{p.name}: {len(linked)} {'to link' if check else 'linked'}" + (f": {', '.join(linked[:12])}" if check and linked else ""))
    return 1 if check and total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
