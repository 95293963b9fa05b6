package cpu

// Im2ColForward is the twin of im2col_fwd: image (b, ch, h, w) to
// non-overlapping patches (b, gh·gw, ch·p·p), gh = h/p, gw = w/p (the
// remainder is dropped, as Conv2d with stride p, no padding). Patches run
// row-major over the grid; inside one, the order is channel, then row, then
// column, so that a Conv2d weight (hidden, ch, p, p) flattened to
// (hidden, ch·p·p) gives the patch embedding as patches · weightᵀ.
func Im2ColForward(patches, image []float32, b, ch, h, w, p int) {
	gh, gw := h/p, w/p
	k := ch * p * p
	for n := 0; n < b; n++ {
		for gy := 0; gy < gh; gy++ {
			for gx := 0; gx < gw; gx++ {
				dst := patches[(n*gh*gw+gy*gw+gx)*k:]
				for c := 0; c < ch; c++ {
					for y := 0; y < p; y++ {
						for x := 0; x < p; x++ {
							dst[(c*p+y)*p+x] = image[((n*ch+c)*h+gy*p+y)*w+gx*p+x]
						}
					}
				}
			}
		}
	}
}

// Im2ColBackward is the twin of im2col_bwd: the inverse permutation, with
// zeros for the pixels no patch covers.
func Im2ColBackward(dimage, dpatches []float32, b, ch, h, w, p int) {
	gh, gw := h/p, w/p
	k := ch * p * p
	for n := 0; n < b; n++ {
		for c := 0; c < ch; c++ {
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					var g float32
					if y < gh*p && x < gw*p {
						g = dpatches[(n*gh*gw+(y/p)*gw+x/p)*k+(c*p+y%p)*p+x%p]
					}
					dimage[((n*ch+c)*h+y)*w+x] = g
				}
			}
		}
	}
}
