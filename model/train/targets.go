package train

// Text rows for the language model, shared by `server train` and the
// page's fine-tuning: the same caption becomes the same row in both.

// OPT's <pad> and </s> ids (the BOS is </s> too).
const OPTPad, OPTEOS = 1, 2

// Encoder is what a row needs of the language model's tokenizer: Encode
// puts the BOS first.
type Encoder interface{ Encode(text string) []int }

// Padded is seq cut to n tokens, then <pad> up to n, and its mask.
func Padded(seq []int, n int) (ids, mask []int) {
	ids, mask = make([]int, n), make([]int, n)
	for i := range ids {
		ids[i] = OPTPad
		if i < len(seq) {
			ids[i], mask[i] = seq[i], 1
		}
	}
	return ids, mask
}

// CaptionTarget is one stage-2 text for an OPT-layout model: </s> prompt
// caption </s>, cut to n tokens and padded, with labels −100 on the prompt
// and the padding. prompt is already encoded, without its BOS.
func CaptionTarget(tok Encoder, prompt []int, caption string, n int) (ids, mask, labels []int) {
	text := caption // the language model saw lines start without a space
	if len(prompt) > 0 {
		text = " " + caption
	}
	seq := append(append(tok.Encode("")[:1:1], prompt...), tok.Encode(text)[1:]...)
	ids, mask = Padded(append(seq, OPTEOS), n)
	return ids, mask, LabelsFrom(ids, mask, len(prompt)+1)
}

// LabelsFrom are Hugging Face's labels of a padded row: the real tokens
// from position first on, −100 before it (context: a BOS, a prompt) and on
// the padding.
func LabelsFrom(ids, mask []int, first int) []int {
	labels := make([]int, len(ids))
	for i := range labels {
		labels[i] = -100
		if mask[i] == 1 && i >= first {
			labels[i] = ids[i]
		}
	}
	return labels
}
