package trainer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"blip2/model/image"
)

// Augmentation for stage 0, chosen for what the model will be shown: other
// emoji and icon designs, clip art, photographs on plain backgrounds.
//   - A random resized crop of the 224-pixel master (55–100 % of the area,
//     aspect 3:4 to 4:3), resized to the model's size with the inference
//     resampler: designs differ in framing and stroke scale more than in
//     anything else. A model whose images are small enough that even the
//     smallest crop of the working image is larger crops that instead: the
//     view is still a downscale, and decoding and resampling 64 pixels
//     instead of 224 costs the host a twelfth.
//   - Brightness and contrast jitter (±8 % offset, ×0.8–1.2): palettes
//     and shading differ between sets.
//   - With probability 0.3, the white background replaced by one plain
//     light colour: photographs and clip art rarely sit on pure white.
//
// No flips and no hue changes: captions name directions ("left arrow")
// and colours ("red heart").
//
// That is the standard strength, the command's default; -augment picks
// another: mild keeps the jitter with crops of 80–100 % of the area and no
// background tint, none is the inference view (LoadImage). Measured at full
// length, none transferred best to unseen designs, and the default model's
// encoder is trained with it (docs/training.md).
type augmentation struct {
	cropMinArea, tintProb float64
}

var augmentations = map[string]augmentation{
	"standard": {cropMinArea: 0.55, tintProb: 0.3},
	"mild":     {cropMinArea: 0.8, tintProb: 0},
}

// augmentNames lists -augment's values.
const augmentNames = "standard, mild or none"

// augmentName is strength with "" read as the standard strength.
func augmentName(strength string) string {
	if strength == "" {
		return "standard"
	}
	return strength
}

// knownAugment says whether strength is one of -augment's values.
func knownAugment(strength string) bool {
	_, ok := augmentations[augmentName(strength)]
	return ok || strength == "none"
}

// viewFunc is a run's view of a pair's image at the model's size.
func viewFunc(dataDir, strength string, size int) (func(Pair, *rand.Rand) ([]float32, error), error) {
	if !knownAugment(strength) {
		return nil, fmt.Errorf("trainer: -augment %q (want %s)", strength, augmentNames)
	}
	if strength == "none" {
		return func(p Pair, _ *rand.Rand) ([]float32, error) { return LoadImage(dataDir, p, size) }, nil
	}
	a := augmentations[augmentName(strength)]
	return func(p Pair, rng *rand.Rand) ([]float32, error) { return a.pixels(dataDir, p, size, rng) }, nil
}

// pixels is one training view of p's image, normalised CHW.
func (a augmentation) pixels(dataDir string, p Pair, size int, rng *rand.Rand) ([]float32, error) {
	img, err := decodeFile(dataDir, p, p.File)
	if err != nil {
		return nil, err
	}
	if p.Master != p.File && float64(min(img.W, img.H))*a.minCropSide() < float64(size) {
		if img, err = decodeFile(dataDir, p, p.Master); err != nil {
			return nil, err
		}
	}
	img = image.ResizeBicubic(randomCrop(img, a.cropMinArea, rng), size, size)
	jitter(img, a.tintProb, rng)
	return image.Normalize(img), nil
}

// minCropSide is the shortest side of the smallest crop, as a fraction of
// a square image's side.
func (a augmentation) minCropSide() float64 { return math.Sqrt(a.cropMinArea * 3 / 4) }

func decodeFile(dataDir string, p Pair, file string) (*image.RGB, error) {
	data, err := os.ReadFile(filepath.Join(dataDir, file))
	if err != nil {
		return nil, fmt.Errorf("trainer: %s: %w", p.ID, err)
	}
	img, err := image.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("trainer: %s (%s): %w", p.ID, file, err)
	}
	return img, nil
}

// randomCrop cuts a random window of cropMinArea–1 of the area with
// aspect ratio in [3/4, 4/3].
func randomCrop(img *image.RGB, cropMinArea float64, rng *rand.Rand) *image.RGB {
	area := float64(img.W*img.H) * (cropMinArea + (1-cropMinArea)*rng.Float64())
	aspect := math.Exp(math.Log(3.0/4) + (math.Log(4.0/3)-math.Log(3.0/4))*rng.Float64())
	w := min(img.W, max(1, int(math.Round(math.Sqrt(area*aspect)))))
	h := min(img.H, max(1, int(math.Round(math.Sqrt(area/aspect)))))
	x0, y0 := rng.IntN(img.W-w+1), rng.IntN(img.H-h+1)
	out := &image.RGB{W: w, H: h, Pix: make([]uint8, 3*w*h)}
	for y := 0; y < h; y++ {
		copy(out.Pix[3*y*w:3*(y+1)*w], img.Pix[3*((y0+y)*img.W+x0):3*((y0+y)*img.W+x0+w)])
	}
	return out
}

// jitter applies the colour changes in place.
func jitter(img *image.RGB, tintProb float64, rng *rand.Rand) {
	contrast := 0.8 + 0.4*rng.Float64()
	offset := (rng.Float64()*2 - 1) * 0.08 * 255
	tint := rng.Float64() < tintProb
	var bg [3]float64
	for c := range bg {
		bg[c] = 170 + 85*rng.Float64()
	}
	for i := 0; i < len(img.Pix); i += 3 {
		white := img.Pix[i] >= 248 && img.Pix[i+1] >= 248 && img.Pix[i+2] >= 248
		for c := 0; c < 3; c++ {
			v := float64(img.Pix[i+c])
			if tint && white {
				v = bg[c]
			}
			img.Pix[i+c] = uint8(math.Round(min(255, max(0, (v-128)*contrast+128+offset))))
		}
	}
}
