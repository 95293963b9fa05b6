// Package app is what the commands and the demo page share above the model:
// captioning an image's bytes with the language model's tokenizer, timed by
// stage. `server caption` and the page's wasm main are thin shells over it,
// so the same image gives the same caption in both.
package app

import (
	"fmt"
	"strings"
	"time"

	"blip2/model/blip2"
	"blip2/model/image"
	"blip2/model/nn"
)

// Tokenizer is what captioning needs of the language model's tokenizer.
type Tokenizer interface {
	Encode(text string) []int
	Decode(ids []int, skipSpecial bool) string
}

// GuideUsage says what a -guide weight does, for the commands' flags.
const GuideUsage = "weight of ITC's logit (image–text cosine / temperature) beside the beam score when choosing among the finished beams (0: the best beam, Hugging Face's choice; needs a model with ITC heads and beams > 1)"

// CaptionOptions are the generation settings `server caption`, `eval`,
// `sheet` and the page use unless told otherwise: beam search, 5 beams,
// up to 30 new tokens, and a repetition penalty of 1.5 (Hugging Face's
// default is 1). The default model's small language model loops under
// beam search ("a clip art of a small small small ..."); on the val split
// 1.5 took its BLEU-4 from 0.133 to 0.217 and CIDEr-D from 0.093 to
// 0.094. -repetition-penalty 1 restores Hugging Face's decoding. Of the 5
// finished beams, the one with the best beam score + 0.5·ITC logit is
// the caption (GuideWeight; -guide 0 takes the best beam): on 100 val
// images it took CIDEr-D from 0.116 to 0.171 and the captions that name
// their image from 2 to 6 (docs/training.md). A model folder's caption
// prefixes (PrefixBank) choose the caption's first words before all this.
func CaptionOptions() blip2.GenerateOptions {
	return blip2.GenerateOptions{MaxNewTokens: 30, MinNewTokens: 1, NumBeams: 5, LengthPenalty: 1,
		RepetitionPenalty: 1.5, TopP: 0.9, Temperature: 1, Seed: 1, GuideWeight: 0.5}
}

// Captioner captions images with one model on one backend.
type Captioner struct {
	Model   *blip2.Model
	Backend nn.Backend
	Tok     Tokenizer
	Options blip2.GenerateOptions
	// QTok is the Q-Former's tokenizer. With it, on a model with ITC
	// heads, Options.GuideWeight > 0 lets ITC choose among the finished
	// beams (ITCGuide).
	QTok Tokenizer
	// Prefixes, when set, start each caption without a prompt with the
	// prefix ITC chooses for the image (PrefixBank).
	Prefixes *PrefixBank
}

// Timing is where one caption's time went.
type Timing struct {
	Preprocess time.Duration // decode, resize, normalise
	Generate   time.Duration // image encoder, Q-Former and language model
	// Stages splits Generate (the device is waited for between them).
	Stages blip2.StageTimes
}

// String is "preprocess 1 ms, image encoder 40 ms, Q-Former 30 ms,
// language model 2000 ms".
func (t Timing) String() string {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }
	return fmt.Sprintf("preprocess %s, image encoder %s, Q-Former %s, language model %s",
		ms(t.Preprocess), ms(t.Stages.ImageEncoder), ms(t.Stages.QFormer), ms(t.Stages.LanguageModel))
}

// CaptionBytes decodes an image file's bytes (PNG, JPEG, GIF, WebP) and
// captions it; a file that is not an image is an error that says so.
func (c *Captioner) CaptionBytes(data []byte, prompt string) (string, Timing, error) {
	start := time.Now()
	px, err := c.Preprocess(data)
	pre := time.Since(start)
	if err != nil {
		return "", Timing{Preprocess: pre}, err
	}
	text, t, err := c.CaptionTimed(px, prompt)
	t.Preprocess = pre
	return text, t, err
}

// Preprocess decodes an image file's bytes into the model's input pixels
// (3, size, size), as CaptionBytes does.
func (c *Captioner) Preprocess(data []byte) ([]float32, error) {
	return image.Preprocess(data, c.Model.Config.Vision.ImageSize)
}

// CaptionTimed is Caption with each stage timed (Timing.Preprocess is
// left to the caller, who decoded the pixels).
func (c *Captioner) CaptionTimed(px []float32, prompt string) (string, Timing, error) {
	var t Timing
	start := time.Now()
	text, err := c.caption(px, prompt, &t.Stages)
	t.Generate = time.Since(start)
	return text, t, err
}

// Caption captions preprocessed pixels (3, size, size), after the prompt
// when there is one ("Question: … Answer:").
func (c *Captioner) Caption(px []float32, prompt string) (string, error) {
	return c.caption(px, prompt, nil)
}

func (c *Captioner) caption(px []float32, prompt string, times *blip2.StageTimes) (string, error) {
	if c.Model.OPT == nil && c.Model.T5 == nil {
		return "", fmt.Errorf("the model has no language model to caption with")
	}
	size := c.Model.Config.Vision.ImageSize
	pixels := c.Backend.Upload(px, 1, 3, size, size)
	defer c.Backend.Free(pixels)
	var ids, mask [][]int
	if p := strings.TrimSpace(prompt); p != "" {
		enc := c.Tok.Encode(p)
		ones := make([]int, len(enc))
		for i := range ones {
			ones[i] = 1
		}
		ids, mask = [][]int{enc}, [][]int{ones}
	}
	o := c.Options
	o.Times = times
	var bank *PrefixBank
	if ids == nil {
		bank = c.Prefixes
	}
	d, err := PrepareDecoding(c.Model, c.Backend, c.Tok, c.QTok, o.GuideWeight > 0 && c.QTok != nil && c.Model.Retrieval(), bank, pixels)
	if err != nil {
		return "", err
	}
	defer d.Release()
	o.Guide = d.Guide
	if d.IDs != nil {
		ids, mask, o.PromptInCaption = d.IDs, d.Mask, true
	}
	g, err := c.Model.Generate(c.Backend, pixels, ids, mask, o)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(c.Tok.Decode(g.IDs[0], true)), nil
}

// AttentionMaps is where the Q-Former's queries look in preprocessed
// pixels (3, size, size): one map per cross-attention layer.
func (c *Captioner) AttentionMaps(px []float32) ([]blip2.AttentionMap, error) {
	size := c.Model.Config.Vision.ImageSize
	pixels := c.Backend.Upload(px, 1, 3, size, size)
	defer c.Backend.Free(pixels)
	vh, img := c.Model.Vision.Forward(c.Backend, pixels)
	c.Backend.Free(vh...)
	defer c.Backend.Free(img)
	maps, hidden, err := c.Model.CrossAttentionMaps(c.Backend, img)
	c.Backend.Free(hidden...)
	return maps, err
}
