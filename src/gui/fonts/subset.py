#!/usr/bin/env python3
"""Builds the embedded CJK font: Noto Sans CJK SC cut down to the characters stickysim needs.

Run from the repository root after changing UI text or scenario narration:
    pip install fonttools && apt-get install fonts-noto-cjk
    python3 src/gui/fonts/subset.py
It keeps GB2312 level-1 hanzi, arrows and geometric shapes (the 3755 most common characters, so teachers' own
scenario files render too), CJK punctuation, full-width forms, and every non-ASCII
character found in src/ and scenarios/. The font is under the SIL Open Font License
(OFL.txt beside this file).
"""
import glob
import os
import subprocess
import sys

SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
OUT = "src/gui/fonts/NotoSansSC-subset.otf"

chars = set()
for hi in range(0xB0, 0xD8):  # GB2312 level 1: rows 16-55
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
chars.update(chr(c) for c in range(0x3000, 0x3040))  # CJK symbols and punctuation
chars.update(chr(c) for c in range(0xFF00, 0xFFF0))  # full-width forms
chars.update(chr(c) for c in range(0x2190, 0x2200))  # arrows
chars.update(chr(c) for c in range(0x25A0, 0x2600))  # geometric shapes (▶ ◀)
chars.update("✓✗…‹›−×·—–‖┆")
for pattern in ("src/**/*.rs", "scenarios/*.toml", "src/**/*.toml"):
    for path in glob.glob(pattern, recursive=True):
        with open(path, encoding="utf-8") as f:
            chars.update(ch for ch in f.read() if ord(ch) > 0x7F)

# Noto Sans CJK SC is font number 2 in the collection (JP, KR, SC, TC, HK).
from fontTools.ttLib import TTCollection
names = [f["name"].getDebugName(1) for f in TTCollection(SOURCE).fonts]
number = next(i for i, n in enumerate(names) if n.endswith("SC"))
text = "".join(sorted(chars))
subprocess.run(
    [sys.executable, "-m", "fontTools.subset", SOURCE, f"--font-number={number}",
     f"--text={text}", f"--output-file={OUT}", "--layout-features=*", "--no-hinting",
    ],
    check=True,
)
print(f"{OUT}: {len(chars)} characters, {os.path.getsize(OUT)} bytes")
