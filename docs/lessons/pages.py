#!/usr/bin/env python3
"""Writes docs/lessons/NN-*.md and README.md from the scenario files (title, summary,
questions, lesson in both languages). Run from the repository root after editing a
scenario's lesson: python3 docs/lessons/pages.py (Python 3.11+, tomllib). Each page links
its handouts (docs/lessons/handouts/, made by scripts/handouts) and embeds its pictures
(docs/lessons/img/, made by scripts/screenshots); tests/handout.rs checks both exist.
"""
import glob, tomllib, os
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
index_en = ["# Lessons, one page per scenario\n", "Generated from each scenario's `[meta] lesson` and its questions (`tests/quiz.rs` checks that they match). The class plan: [class-plan.md](class-plan.md) · [中文](class-plan.zh.md).\n",
    "Each page has a printable **handout** in [handouts/](handouts/) (English and 中文, HTML to print and Markdown to read): page 1 holds the two programs and the questions for students; after the page break come the lesson, the timeline, the receiver's view, the verdict, what length-prefix framing changes, and the answers. `scripts/handouts` writes them with `stickysim handout --all` (`tests/handout.rs` checks they are up to date). The pictures in [img/](img/) are made by `scripts/screenshots` (`LESSONS=only` for just these): each scenario at the result of its first question, or at its end.\n"]
for p in sorted(glob.glob('scenarios/*.toml')):
    d = tomllib.load(open(p,'rb'))
    name = os.path.basename(p)[:-5]
    m = d['meta']
    def tx(v, lang):
        return v if isinstance(v,str) else v.get(lang, v.get('en') or v.get('zh'))
    out = []
    num = name[:2]
    out.append(f"# {num} · {tx(m['title'],'en')}\n")
    out.append(f"中文标题：{tx(m['title'],'zh')}\n")
    out.append(f"Run it: `stickysim gui {num}` (Quiz on) or `stickysim run {num}` / `stickysim run {num} --lang zh`. The file: [`scenarios/{name}.toml`](../../scenarios/{name}.toml).\n")
    out.append(f"Handout (print page 1 for students): [English, HTML](handouts/{name}.en.html) · [Markdown](handouts/{name}.en.md) · 讲义：[中文 HTML](handouts/{name}.zh.html) · [Markdown](handouts/{name}.zh.md)\n")
    out.append(f"![{num} in the app, at the result of its first question]({'img/'}{name}.en.png)\n")
    qs = []
    for side in ('client','server'):
        for i, st in enumerate(d.get(side, [])):
            if 'question' in st:
                qs.append((side, tx(st['question'],'en'), tx(st['question'],'zh')))
    out.append("## Summary\n")
    out.append(tx(m['summary'],'en').strip()+"\n")
    if qs:
        out.append("## Questions (Quiz mode)\n")
        for side, en, zh in qs:
            out.append(f"- ({side}) {en}  \n  {zh}")
        out.append("")
    out.append("## Why\n")
    out.append(tx(m['lesson'],'en').strip()+"\n")
    out.append(f"![{num} 在应用中：第一个问题的结果]({'img/'}{name}.zh.png)\n")
    out.append("## 摘要\n")
    out.append(tx(m['summary'],'zh').strip()+"\n")
    out.append("## 为什么\n")
    out.append(tx(m['lesson'],'zh').strip()+"\n")
    open(f'docs/lessons/{name}.md','w').write("\n".join(out))
    index_en.append(f"- [{num} · {tx(m['title'],'en')}]({name}.md) · {tx(m['title'],'zh')}")
open('docs/lessons/README.md','w').write("\n".join(index_en)+"\n")
