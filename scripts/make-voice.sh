#!/bin/sh
# make-voice.sh regenerates the Indonesian voice clips the waiting-room TV
# plays when the browser has no Indonesian speech voice (or no internet).
# It needs Debian's espeak-ng and sox:  apt-get install -y espeak-ng sox
# Clips are 16 kHz mono 8-bit WAV (every browser decodes it), trimmed of
# leading and trailing silence. Run from the repository root:
#   scripts/make-voice.sh [web/static/voice]
set -eu
out=${1:-web/static/voice}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() { # say <clip name> <text>
	espeak-ng -v id -s 140 -p 45 -w "$tmp/raw.wav" "$2"
	sox -q "$tmp/raw.wav" -r 16000 -c 1 -b 8 -e unsigned-integer "$out/$1.wav" \
		silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse norm -1
}

# Phrases. KBBI spells "silakan" and "antrean".
say nomor-antrean "nomor antrean"
say silakan-menuju "silakan menuju"
say ruang "ruang"
say loket "loket"
say poli "poli"
say meja "meja"
say kamar "kamar"

# Numbers: whole words for the se- forms, then the parts.
for w in nol satu dua tiga empat lima enam tujuh delapan sembilan \
	sepuluh sebelas belas puluh seratus ratus seribu ribu; do
	say "$w" "$w"
done

# Letters as Indonesians spell them.
set -- a a b be c ce d de e e f ef g ge h ha i i j je k ka l el m em n en \
	o o p pe q ki r er s es t te u u v fe w we x eks y ye z zet
while [ $# -gt 0 ]; do
	say "huruf-$1" "$2"
	shift 2
done

# A two-tone chime (ding-dong) before every call.
sox -q -n -r 16000 -c 1 -b 8 -e unsigned-integer "$tmp/ding.wav" synth 0.45 sine 880 fade q 0.01 0.45 0.35 vol 0.6
sox -q -n -r 16000 -c 1 -b 8 -e unsigned-integer "$tmp/dong.wav" synth 0.7 sine 660 fade q 0.01 0.7 0.6 vol 0.6
sox -q "$tmp/ding.wav" "$tmp/dong.wav" "$out/chime.wav"

ls "$out" | wc -l | xargs printf '%s clips in '"$out"'\n'
