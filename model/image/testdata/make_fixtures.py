# Regenerates the fixtures in this folder with Pillow (Debian python3-pil
# 9.4.0) and cwebp (Debian webp). Run by hand from this folder:
#   /usr/bin/python3 make_fixtures.py
# pillow_bicubic.json: Image.resize(size, BICUBIC, reducing_gap=None) of the
#   synthetic pattern below, which pattern() in resize_test.go rebuilds.
# rgba.webp: a 5x4 lossless WebP with alpha (cwebp -lossless -exact), pixels
#   given by rgba_pixel() and checked in decode_test.go.
import base64, json, subprocess
from PIL import Image

def pattern_pixel(x, y, c):
    return (x * 37 + y * 91 + c * 53 + (x * y) % 17 * 11 + (x ^ y) * 5) % 256

def pattern(w, h):
    img = Image.new("RGB", (w, h))
    img.putdata([tuple(pattern_pixel(x, y, c) for c in range(3)) for y in range(h) for x in range(w)])
    return img

cases = []
for (w, h), (ow, oh) in [((37, 23), (16, 16)), ((37, 23), (64, 48)), ((37, 23), (37, 10)),
                         ((37, 23), (10, 23)), ((37, 23), (5, 3)), ((8, 8), (40, 40)),
                         ((300, 200), (56, 56)), ((23, 37), (64, 64))]:
    out = pattern(w, h).resize((ow, oh), Image.BICUBIC, reducing_gap=None)
    cases.append({"in": [w, h], "out": [ow, oh], "rgb": base64.b64encode(out.tobytes()).decode()})
with open("pillow_bicubic.json", "w") as f:
    json.dump(cases, f, indent=0)
    f.write("\n")

def rgba_pixel(x, y):
    return (x * 60, y * 80, (x + y) * 30, 0 if x == 0 else 255 - 50 * y)

img = Image.new("RGBA", (5, 4))
img.putdata([rgba_pixel(x, y) for y in range(4) for x in range(5)])
img.save("/tmp/rgba.png")
subprocess.run(["cwebp", "-quiet", "-lossless", "-exact", "/tmp/rgba.png", "-o", "rgba.webp"], check=True)
print("PIL", Image.__version__ if hasattr(Image, "__version__") else "")
