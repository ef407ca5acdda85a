#!/usr/bin/env python3
"""Merge generated corpora into one bigger corpus.

`gen_corpus.py` runs out of distinct company names a little above 50,000 accounts
("name space exhausted"), so the 100,000-account corpus is two 50,000-account corpora
with different seeds, merged:

    merge_corpora.py OUT PART1 PART2 ...

PART1 is copied as is (its dossier.toml, guides and home page are kept). Every later
PARTk has its account folders prefixed `k-` and its customers made distinct (` k` is
appended to `name` and `legal_name`, `-k` to `tax_id`), so the portfolio duplicate
check sees different customers. The per-owner and top-tier caps are summed.
"""
import os
import re
import shutil
import sys


def caps(path):
    text = open(path, encoding="utf-8").read()
    return {k: int(v) for k, v in re.findall(r"^(max_top_tier_accounts|max_accounts_per_owner) = (\d+)", text, re.M)}


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    out, parts = sys.argv[1], sys.argv[2:]
    if os.path.exists(out):
        sys.exit(f"{out} exists; remove it first")
    shutil.copytree(parts[0], out)
    accounts = os.path.join(out, "content", "accounts")
    totals = caps(os.path.join(parts[0], "dossier.toml"))
    for k, part in enumerate(parts[1:], start=2):
        for key, v in caps(os.path.join(part, "dossier.toml")).items():
            totals[key] = totals.get(key, 0) + v
        src = os.path.join(part, "content", "accounts")
        for slug in sorted(os.listdir(src)):
            new = f"{k}-{slug}"
            if len(new) > 64:
                new = new[:64].rstrip("-")
            dst = os.path.join(accounts, new)
            if os.path.exists(dst):
                sys.exit(f"slug clash: {new}")
            shutil.copytree(os.path.join(src, slug), dst)
            acc = os.path.join(dst, "account.toml")
            text = open(acc, encoding="utf-8").read()
            # only the top-level keys, before the first [table] header
            cut = text.find("\n[")
            head, rest = (text, "") if cut < 0 else (text[:cut], text[cut:])
            head = re.sub(r'^(name|legal_name) = "(.*)"$', lambda m: f'{m[1]} = "{m[2]} {k}"', head, flags=re.M)
            head = re.sub(r'^tax_id = "(.*)"$', lambda m: f'tax_id = "{m[1]}-{k}"', head, flags=re.M)
            open(acc, "w", encoding="utf-8").write(head + rest)
    cfg = os.path.join(out, "dossier.toml")
    text = open(cfg, encoding="utf-8").read()
    for key, v in totals.items():
        text = re.sub(rf"^{key} = \d+", f"{key} = {v}", text, flags=re.M)
    open(cfg, "w", encoding="utf-8").write(text)


if __name__ == "__main__":
    main()
