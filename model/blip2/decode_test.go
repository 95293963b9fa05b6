package blip2

import (
	"math"
	"math/rand/v2"
	"testing"

	"blip2/model/cpu"
)

func TestNucleusFollowsTheSoftmax(t *testing.T) {
	logits := []float32{2, 1, 0.5, 0, -1, -3}
	p := softmax64(logits, 1)
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 200000
	counts := make([]float64, len(logits))
	for i := 0; i < n; i++ {
		counts[nucleus(logits, 1, 1, rng)]++
	}
	chi2 := 0.0
	for i := range p {
		e := p[i] * n
		chi2 += (counts[i] - e) * (counts[i] - e) / e
	}
	// 5 degrees of freedom: P(χ² > 20.5) ≈ 0.001.
	if chi2 > 20.5 {
		t.Errorf("χ² = %.1f over %v: draws do not follow the softmax %v", chi2, counts, p)
	}
}

func TestNucleusKeepsOnlyTheTopMass(t *testing.T) {
	logits := []float32{3, 2.9, -5, -5, -5}
	rng := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < 2000; i++ {
		if tok := nucleus(logits, 0.9, 1, rng); tok > 1 {
			t.Fatalf("drew token %d outside the top-0.9 nucleus", tok)
		}
		if tok := nucleus(logits, 1e-9, 1, rng); tok != 0 {
			t.Fatalf("top_p→0 must be greedy, drew %d", tok)
		}
	}
}

func TestProcessAppliesRepetitionPenaltyAndMinLength(t *testing.T) {
	l := process([]float32{2, -2, 1, 5}, []int{0, 1}, 0, 3, GenerateOptions{RepetitionPenalty: 2, MinNewTokens: 1})
	want := []float32{1, -4, 1, float32(math.Inf(-1))}
	for i := range want {
		if l[i] != want[i] {
			t.Fatalf("got %v, want %v", l, want)
		}
	}
}

// TestBeamSearchWithEveryBeamIsExhaustive: with as many beams as the
// vocabulary and two new tokens, beam search must find the best sequence of
// length ≤ 2 by total log-probability, which brute force finds too.
func TestBeamSearchWithEveryBeamIsExhaustive(t *testing.T) {
	m, in, _ := loadGolden(t, "blip2-tiny-a")
	b := cpu.New()
	pixels := b.Upload(in.Pixels[:len(in.Pixels)/in.PixelShape[0]], append([]int{1}, in.PixelShape[1:]...)...)
	vocab := m.OPT.cfg.VocabSize
	eos := intOr(m.OPT.cfg.EOSTokenID, 2)
	got, err := m.Generate(b, pixels, nil, nil, GenerateOptions{MaxNewTokens: 2, NumBeams: vocab})
	if err != nil {
		t.Fatal(err)
	}
	// Brute force over the stepper: all first tokens, then each one's best
	// continuation.
	proj := m.VisualPrompt(b, pixels)
	st := &optStepper{b: b, m: m.OPT, proj: proj, prompt: [][]int{{2}}, mask: [][]int{{1}}}
	first, err := st.first()
	if err != nil {
		t.Fatal(err)
	}
	lp1 := logSoftmax(first[0])
	best, bestSeq := math.Inf(-1), []int(nil)
	for tok := 0; tok < vocab; tok++ {
		if tok == eos {
			if lp1[tok] > best {
				best, bestSeq = lp1[tok], []int{tok}
			}
			continue
		}
		s := &optStepper{b: b, m: m.OPT, proj: proj, prompt: [][]int{{2}}, mask: [][]int{{1}}}
		if _, err := s.first(); err != nil {
			t.Fatal(err)
		}
		second, err := s.next([]int{tok})
		if err != nil {
			t.Fatal(err)
		}
		lp2 := logSoftmax(second[0])
		j := Argmax(second[0])
		if v := lp1[tok] + lp2[j]; v > best {
			best, bestSeq = v, []int{tok, j}
		}
	}
	gotSeq := got.IDs[0][1:]
	if len(gotSeq) != len(bestSeq) || gotSeq[0] != bestSeq[0] || (len(gotSeq) > 1 && gotSeq[1] != bestSeq[1]) {
		t.Errorf("beam search chose %v, brute force %v (log-prob %.4f)", gotSeq, bestSeq, best)
	}
}

// TestSearchRanksByITMAfterITC: on reference set a, ITC scores equal the
// reference itc_similarity column, and the re-ranked probabilities equal
// softmax(itm_logits)[1] for the matching pairs.
func TestSearchScoresMatchTheReference(t *testing.T) {
	m, in, want := loadGolden(t, "blip2-tiny-a")
	b := cpu.New()
	g, err := m.EmbedImages(b, b.Upload(in.Pixels, in.PixelShape...))
	if err != nil {
		t.Fatal(err)
	}
	sim, _ := want.ReadF32("itc_similarity") // (images, texts)
	itm, _ := want.ReadF32("itm_logits")     // image i with text i
	n := in.PixelShape[0]
	for j := 0; j < n; j++ {
		hits, err := m.Search(b, g, in.QFormerIDs[j], in.QFormerMask[j], n)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if d := math.Abs(float64(h.ITC - sim[h.Index*n+j])); d > 1e-4 {
				t.Errorf("text %d image %d: ITC %v, reference %v", j, h.Index, h.ITC, sim[h.Index*n+j])
			}
			if h.Index == j {
				p := 1 / (1 + math.Exp(float64(itm[2*j]-itm[2*j+1])))
				if d := math.Abs(float64(h.ITM) - p); d > 1e-4 {
					t.Errorf("text %d: ITM probability %v, reference %v", j, h.ITM, p)
				}
			}
		}
	}
}

// TestGalleryInBatchesEqualsOneBatch: appending galleries encoded in parts
// gives the same search as encoding every image at once.
func TestGalleryInBatchesEqualsOneBatch(t *testing.T) {
	m, in, _ := loadGolden(t, "blip2-tiny-a")
	b := cpu.New()
	all, err := m.EmbedImages(b, b.Upload(in.Pixels, in.PixelShape...))
	if err != nil {
		t.Fatal(err)
	}
	per := len(in.Pixels) / in.PixelShape[0]
	parts := &Gallery{}
	for i := 0; i < in.PixelShape[0]; i++ {
		g, err := m.EmbedImages(b, b.Upload(in.Pixels[i*per:(i+1)*per], append([]int{1}, in.PixelShape[1:]...)...))
		if err != nil {
			t.Fatal(err)
		}
		parts.Append(b, g)
	}
	want, _ := m.Search(b, all, in.QFormerIDs[0], in.QFormerMask[0], 3)
	got, err := m.Search(b, parts, in.QFormerIDs[0], in.QFormerMask[0], 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i].Index != want[i].Index || math.Abs(float64(got[i].ITM-want[i].ITM)) > 1e-6 {
			t.Fatalf("hit %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
