#!/usr/bin/env python3
"""Word error rate of pod's voices, judged by Whisper base (faster-whisper).

    python bench/wer/run.py --engine embedded [--set rate=160 ...] [--json out.json]
    python bench/wer/run.py --wav-dir DIR [--label NAME]   # score DIR/01.wav, 02.wav, ...

Run it with the venv bench/wer/setup.sh makes. With --engine it writes a
throwaway pod project with one episode per line of sentences.txt, builds it
with $POD (default target/release/pod of this repository), and transcribes
every episode's WAV. Nothing is downloaded.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
# run.py runs in the venv setup.sh made, which keeps the model beside it.
VENV = Path(os.environ.get("POD_WER_VENV", sys.prefix))


# --- Normalisation ---------------------------------------------------------
#
# Reference and hypothesis go through the same function, so what matters is
# that the different ways of writing one spoken phrase end up as the same
# words. The approach is deliberately small (not Whisper's own English
# normaliser): abbreviations become words, then every number written in
# digits ($4.75, 12.5%, 3rd, 7:30, 1969, 1,250) is spelled out the way it is
# usually said, then punctuation goes. So "$4.75", "4.75 dollars" and "four
# dollars seventy-five" all become "four dollars seventy five". Words said
# differently from our spelling-out (a year read as "two thousand and
# twenty-four", say) still count as errors: that is rare for Whisper, which
# writes digits for whatever it hears as a number.

ONES = ("zero one two three four five six seven eight nine ten eleven twelve "
        "thirteen fourteen fifteen sixteen seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
SCALES = [(10**9, "billion"), (10**6, "million"), (1000, "thousand"), (100, "hundred")]
ORDINAL_WORDS = {"one": "first", "two": "second", "three": "third", "five": "fifth",
                 "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}

# Only the ones the sentences use, plus their usual spoken spellings.
ABBREVIATIONS = [
    (r"\bdr\.?(?=\s)", "doctor"),
    (r"\bmrs\.?(?=\s)", "missus"),
    (r"\bmr\.?(?=\s)", "mister"),
    (r"\bprof\.?(?=\s)", "professor"),
    (r"\bst\.?(?=\s|$)", "street"),
    (r"\bper cent\b", "percent"),
]

# Compounds Whisper writes either way; the voice is not at fault for either.
SPELLINGS = {"street lights": "streetlights"}


def cardinal(n):
    """American style, no "and": 1250 -> one thousand two hundred fifty."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + ONES[n % 10])
    for value, name in SCALES:
        if n >= value:
            rest = n % value
            return cardinal(n // value) + " " + name + ("" if rest == 0 else " " + cardinal(rest))
    raise AssertionError(n)


def ordinal(n):
    words = cardinal(n).split()
    last = words[-1]
    if last in ORDINAL_WORDS:
        words[-1] = ORDINAL_WORDS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def year(n):
    """1969 -> nineteen sixty nine, 2024 -> twenty twenty four, 2005 -> two thousand five."""
    hi, lo = divmod(n, 100)
    if lo == 0:
        return cardinal(hi) + " hundred"
    if 2000 <= n < 2010:
        return cardinal(n)
    return cardinal(hi) + " " + ("oh " + ONES[lo] if lo < 10 else cardinal(lo))


def decimal(text):
    """12.5 -> twelve point five (digits after the point one by one)."""
    whole, _, frac = text.partition(".")
    words = cardinal(int(whole))
    if frac:
        words += " point " + " ".join(ONES[int(d)] for d in frac)
    return words


def number(text):
    """A bare number: 4-digit ones in 1100-2099 are read as years, like people do."""
    if "," in text:
        return cardinal(int(text.replace(",", "")))
    if "." in text:
        return decimal(text)
    n = int(text)
    if len(text) == 4 and 1100 <= n < 2100:
        return year(n)
    return cardinal(n)


def clock(h, m):
    """7:30 -> seven thirty, 9:05 -> nine oh five, 6:00 -> six o'clock."""
    h, m = int(h), int(m)
    if m == 0:
        return cardinal(h) + " oclock"
    return cardinal(h) + " " + ("oh " + ONES[m] if m < 10 else cardinal(m))


def money(dollars, cents):
    words = cardinal(int(dollars.replace(",", ""))) + " dollars"
    if cents and int(cents):
        words += " " + cardinal(int(cents))
    return words


def normalise(text):
    t = text.lower()
    t = t.replace("\u2019", "'").replace("\u2013", " ").replace("\u2014", " ")
    for pattern, words in ABBREVIATIONS:
        t = re.sub(pattern, words, t)
    # a.m./p.m. in all their spellings (7:30pm, 7.30 p.m., 7:30 PM) -> "am"/"pm";
    # a bare "am" stays the verb.
    t = re.sub(r"\b([ap])\.\s?m\.?(?=\W|$)", r"\1m", t)
    t = re.sub(r"(\d)\s*([ap])m\b", r"\1 \2m", t)
    # Times, before decimals: Whisper writes both 7:30 and 7.30 p.m.
    t = re.sub(r"\b(\d{1,2})[:.](\d\d)(?= [ap]m\b)", lambda m: clock(m[1], m[2]), t)
    t = re.sub(r"\b(\d{1,2}):(\d\d)\b", lambda m: clock(m[1], m[2]), t)
    # Money: $4.75, 4.75 dollars, $1,250; "cents" and "and" between dollars
    # and cents are dropped so "four dollars and seventy-five cents" matches.
    t = re.sub(r"\$(\d[\d,]*)(?:\.(\d\d))?\b", lambda m: money(m[1], m[2]), t)
    t = re.sub(r"\b(\d[\d,]*)(?:\.(\d\d))? dollars\b", lambda m: money(m[1], m[2]), t)
    t = re.sub(r"\bdollars and\b", "dollars", t)
    t = re.sub(r"(\w) cents\b", r"\1", t)
    t = re.sub(r"(\d)\s*%", r"\1 percent", t)
    t = re.sub(r"\b(\d+)(st|nd|rd|th)\b", lambda m: ordinal(int(m[1])), t)
    t = re.sub(r"\b\d[\d,]*(?:\.\d+)?\b", lambda m: number(m[0].rstrip(",")), t)
    # "two hundred and fifty" is the same number as "two hundred fifty".
    t = re.sub(r"\b(hundred|thousand|million) and\b", r"\1", t)
    t = t.replace("'", "")
    t = " ".join(re.sub(r"[^a-z0-9 ]+", " ", t).split())
    for variant, spelling in SPELLINGS.items():
        t = re.sub(rf"\b{variant}\b", spelling, t)
    return t.split()


# --- Scoring ---------------------------------------------------------------

def word_errors(ref, hyp):
    """Levenshtein distance over words: substitutions + deletions + insertions."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i]
        for j, h in enumerate(hyp, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h)))
        prev = cur
    return prev[-1]


def score(references, hypotheses):
    rows = []
    for i, (ref, hyp) in enumerate(zip(references, hypotheses), 1):
        r, h = normalise(ref), normalise(hyp)
        errors = word_errors(r, h)
        rows.append({
            "n": i, "reference": ref, "hypothesis": hyp,
            "reference_norm": " ".join(r), "hypothesis_norm": " ".join(h),
            "ref_words": len(r), "errors": errors,
            # One sentence of babble (a long hallucination, say) can add more
            # insertions than it has words; the capped figure keeps a single
            # sentence from outweighing the rest.
            "errors_capped": min(errors, len(r)),
        })
    words = sum(r["ref_words"] for r in rows)
    totals = {
        "sentences": len(rows),
        "ref_words": words,
        "errors": sum(r["errors"] for r in rows),
        "errors_capped": sum(r["errors_capped"] for r in rows),
        "exact": sum(r["errors"] == 0 for r in rows),
    }
    totals["wer"] = totals["errors"] / words
    totals["wer_capped"] = totals["errors_capped"] / words
    return rows, totals


# --- Synthesis with pod and transcription ---------------------------------

def toml_value(text):
    # --set rate=160 is a number, --set voice=en-gb a string.
    if re.fullmatch(r"-?\d+(\.\d+)?|true|false", text):
        return text
    return json.dumps(text)


def build_with_pod(pod, engine, settings, sentences, project):
    episodes = project / "episodes"
    episodes.mkdir(parents=True)
    voice = [f'engine = "{engine}"'] + [f"{k} = {toml_value(v)}" for k, v in settings]
    (project / "podcast.toml").write_text(
        '[podcast]\ntitle = "WER bench"\nauthor = "pod"\nlanguage = "en"\n'
        'description = "One sentence per episode, for bench/wer/run.py."\n'
        'episodes = ["episodes/*.md"]\n\n'
        "[voice]\n" + "\n".join(voice) + "\n\n"
        '[output]\nsample_rate = 22050\nchannels = 1\nformats = ["wav"]\n')
    for i, sentence in enumerate(sentences, 1):
        (episodes / f"{i:02}.md").write_text(
            f'+++\ntitle = "Sentence {i}"\nnumber = {i}\n+++\n\n{sentence}\n')
    env = dict(os.environ)
    env.pop("POD_TARGET_DIR", None)
    started = time.monotonic()
    done = subprocess.run([str(pod), "build"], cwd=project, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"pod build failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    print(f"pod build: {time.monotonic() - started:.1f} s", file=sys.stderr)
    return [project / "target" / "out" / f"{i:02}.wav" for i in range(1, len(sentences) + 1)]


def transcribe(model_dir, wavs, threads):
    from faster_whisper import WhisperModel
    model = WhisperModel(str(model_dir), device="cpu", compute_type="int8",
                         cpu_threads=threads, local_files_only=True)
    texts = []
    started = time.monotonic()
    for wav in wavs:
        segments, _ = model.transcribe(str(wav), beam_size=5, language="en")
        texts.append(" ".join(s.text.strip() for s in segments).strip())
    print(f"transcription: {time.monotonic() - started:.1f} s", file=sys.stderr)
    return texts


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = ap.add_mutually_exclusive_group(required=True)
    source.add_argument("--engine", help="pod engine to synthesise with (embedded, espeak-ng, ...)")
    source.add_argument("--wav-dir", type=Path, help="score existing DIR/01.wav, 02.wav, ... instead")
    source.add_argument("--rescore", type=Path, metavar="JSON",
                        help="score the transcripts of an earlier --json again (after a change here)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="an extra [voice] key for pod, repeatable (rate=160, voice=en-gb)")
    ap.add_argument("--label", help="name for the results (default: the engine or the directory)")
    ap.add_argument("--sentences", type=Path, default=HERE / "sentences.txt")
    ap.add_argument("--model", type=Path, default=VENV / "whisper-base",
                    help="CTranslate2 Whisper folder (default: whisper-base in this venv)")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads for Whisper")
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary pod project")
    args = ap.parse_args()

    sentences = [s.strip() for s in args.sentences.read_text().splitlines() if s.strip()]
    settings = []
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            ap.error(f"--set wants KEY=VALUE, got {item!r}")
        settings.append((key.strip(), value.strip()))
    if args.rescore:
        old = json.loads(args.rescore.read_text())
        report(args, old["label"], old["engine"], dict(old["settings"]), old["wav_dir"],
               [r["reference"] for r in old["sentences"]],
               [r["hypothesis"] for r in old["sentences"]])
        return
    if not (args.model / "model.bin").is_file():
        sys.exit(f"no Whisper model at {args.model}: run bench/wer/setup.sh")

    tmp = None
    if args.engine:
        pod = Path(os.environ.get("POD", REPO / "target" / "release" / "pod")).resolve()
        if not pod.is_file():
            sys.exit(f"no pod binary at {pod}: cargo build --release, or set POD")
        tmp = Path(tempfile.mkdtemp(prefix="pod-wer-"))
        wavs = build_with_pod(pod, args.engine, settings, sentences, tmp / "project")
        label = args.label or " ".join([args.engine] + args.set)
    else:
        wavs = [args.wav_dir / f"{i:02}.wav" for i in range(1, len(sentences) + 1)]
        label = args.label or str(args.wav_dir)
    missing = [str(w) for w in wavs if not w.is_file()]
    if missing:
        sys.exit("missing WAVs: " + ", ".join(missing))

    try:
        hypotheses = transcribe(args.model, wavs, args.threads)
    finally:
        if tmp and not args.keep:
            shutil.rmtree(tmp)
        elif tmp:
            print(f"kept {tmp}", file=sys.stderr)
    report(args, label, args.engine, dict(settings),
           str(args.wav_dir) if args.wav_dir else None, sentences, hypotheses)


def report(args, label, engine, settings, wav_dir, sentences, hypotheses):
    rows, totals = score(sentences, hypotheses)

    for r in rows:
        mark = "ok" if r["errors"] == 0 else f"{r['errors']}/{r['ref_words']}"
        print(f"{r['n']:02} {mark:>6}  REF {r['reference']}")
        if r["errors"]:
            print(f"{'':9}  HYP {r['hypothesis']}")
    print(f"\n{label}: {totals['sentences']} sentences, {totals['ref_words']} words")
    print(f"WER (capped)   {100 * totals['wer_capped']:.1f}%  ({totals['errors_capped']} errors)")
    print(f"WER (uncapped) {100 * totals['wer']:.1f}%  ({totals['errors']} errors)")
    print(f"exact sentences {totals['exact']}/{totals['sentences']}")
    if args.json:
        args.json.write_text(json.dumps(
            {"label": label, "engine": engine, "settings": settings, "wav_dir": wav_dir,
             "model": "whisper-base (CTranslate2, int8, beam 5, en)",
             "totals": totals, "sentences": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
