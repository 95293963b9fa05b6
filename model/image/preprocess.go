package image

import "fmt"

// CLIPMean and CLIPStd are OpenAI CLIP's per-channel statistics, used by
// every BLIP-2 checkpoint's image processor.
var (
	CLIPMean = [3]float32{0.48145466, 0.4578275, 0.40821073}
	CLIPStd  = [3]float32{0.26862954, 0.26130258, 0.27577711}
)

// Preprocess decodes an image and returns pixel_values for one image:
// float32 in CHW order, shape (3, size, size). size is the model's
// vision_config.image_size (224, or 364 for the -coco checkpoints).
func Preprocess(data []byte, size int) ([]float32, error) {
	if size <= 0 {
		return nil, fmt.Errorf("image: target size %d must be positive", size)
	}
	img, err := Decode(data)
	if err != nil {
		return nil, err
	}
	return Normalize(ResizeBicubic(img, size, size)), nil
}

// Normalize rescales by 1/255 and applies CLIP mean/std, returning CHW.
// The arithmetic mirrors transformers: rescale in float64 then cast to
// float32, subtract and divide in float32, so results match bit for bit.
func Normalize(img *RGB) []float32 {
	n := img.W * img.H
	out := make([]float32, 3*n)
	for i := 0; i < n; i++ {
		for c := 0; c < 3; c++ {
			v := float32(float64(img.Pix[3*i+c]) * (1.0 / 255.0))
			out[c*n+i] = (v - CLIPMean[c]) / CLIPStd[c]
		}
	}
	return out
}
