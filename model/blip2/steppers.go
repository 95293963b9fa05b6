package blip2

import "blip2/model/nn"

// optStepper decodes with OPT: the visual prompt and the prompt embeddings
// go in first, then one token per step over the KV cache.
type optStepper struct {
	b            nn.Backend
	m            *OPT
	proj         nn.Tensor
	prompt, mask [][]int
	cache        KVCache
}

func (s *optStepper) first() ([][]float32, error) {
	batch, nq := len(s.prompt), s.proj.Shape()[1]
	emb := s.m.EmbedTokens(s.b, s.prompt)
	x := s.b.Concat(s.proj, emb)
	s.b.Free(emb)
	hidden, logits := s.m.Forward(s.b, x, joinMasks(ones(batch, nq), s.mask), &s.cache)
	s.b.Free(x)
	s.b.Free(hidden...)
	return readLast(s.b, logits)
}

func (s *optStepper) next(tokens []int) ([][]float32, error) {
	col := make([][]int, len(tokens))
	for i, t := range tokens {
		col[i] = []int{t}
	}
	x := s.m.EmbedTokens(s.b, col)
	hidden, logits := s.m.Forward(s.b, x, ones(len(tokens), 1), &s.cache)
	s.b.Free(x)
	s.b.Free(hidden...)
	return readLast(s.b, logits)
}

func (s *optStepper) reorder(rows []int) {
	for i := range s.cache.K {
		k, v := s.b.Select(s.cache.K[i], rows), s.b.Select(s.cache.V[i], rows)
		s.b.Free(s.cache.K[i], s.cache.V[i])
		s.cache.K[i], s.cache.V[i] = k, v
	}
	s.cache.Mask = pickRows(s.cache.Mask, rows)
}

func (s *optStepper) release() {
	s.b.Free(s.cache.K...)
	s.b.Free(s.cache.V...)
}

// t5Stepper encodes [visual prompt; prompt] once, then decodes from the
// start token over the decoder's KV cache.
type t5Stepper struct {
	b            nn.Backend
	m            *T5
	proj         nn.Tensor
	prompt, mask [][]int
	start        int
	enc          nn.Tensor
	encMask      [][]int
	decMask      [][]int
	cache        T5Cache
}

func (s *t5Stepper) first() ([][]float32, error) {
	batch, nq := len(s.prompt), s.proj.Shape()[1]
	x := s.proj
	if len(s.prompt[0]) > 0 {
		emb := s.b.Reshape(s.b.Embed(s.b.Param(&s.m.Shared), flatten(s.prompt)), batch, len(s.prompt[0]), s.m.cfg.DModel)
		x = s.b.Concat(s.proj, emb)
		s.b.Free(emb)
	}
	s.encMask = joinMasks(ones(batch, nq), s.mask)
	hidden := s.m.Encode(s.b, x, s.encMask)
	s.enc = hidden[len(hidden)-1]
	if x != s.proj {
		s.b.Free(hidden[:len(hidden)-1]...) // hidden[0] is x
	} else {
		s.b.Free(hidden[1 : len(hidden)-1]...)
	}
	return s.next(constRowsFlat(batch, s.start))
}

func (s *t5Stepper) next(tokens []int) ([][]float32, error) {
	col := make([][]int, len(tokens))
	for i, t := range tokens {
		col[i] = []int{t}
	}
	s.decMask = joinMasks(orEmpty(s.decMask, len(tokens)), ones(len(tokens), 1))
	hidden, logits := s.m.Decode(s.b, col, s.enc, s.encMask, s.decMask, &s.cache)
	s.b.Free(hidden...)
	return readLast(s.b, logits)
}

func (s *t5Stepper) reorder(rows []int) {
	for _, l := range [][]nn.Tensor{s.cache.SelfK, s.cache.SelfV} {
		for i := range l {
			t := s.b.Select(l[i], rows)
			s.b.Free(l[i])
			l[i] = t
		}
	}
	s.decMask = pickRows(s.decMask, rows)
}

func (s *t5Stepper) release() {
	s.b.Free(s.enc)
	s.b.Free(s.cache.SelfK...)
	s.b.Free(s.cache.SelfV...)
	s.b.Free(s.cache.CrossK...)
	s.b.Free(s.cache.CrossV...)
}

func constRowsFlat(n, v int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func orEmpty(m [][]int, batch int) [][]int {
	if m != nil {
		return m
	}
	return make([][]int, batch)
}

func pickRows(m [][]int, rows []int) [][]int {
	out := make([][]int, len(rows))
	for i, r := range rows {
		out[i] = append([]int(nil), m[r]...)
	}
	return out
}
