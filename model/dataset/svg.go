package dataset

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/png"
	"io"
	"os/exec"
	"strings"

	"github.com/srwiley/oksvg"
	"github.com/srwiley/rasterx"
	"golang.org/x/net/html/charset"
)

const (
	svgNS   = "http://www.w3.org/2000/svg"
	xlinkNS = "http://www.w3.org/1999/xlink"
)

// rootStyle lists the presentation attributes that oksvg ignores on the
// root <svg> element; the pre-pass moves them to a wrapping <g>.
var rootStyle = map[string]bool{
	"fill": true, "fill-rule": true, "fill-opacity": true, "stroke": true, "stroke-width": true,
	"stroke-linecap": true, "stroke-linejoin": true, "stroke-opacity": true, "stroke-miterlimit": true,
	"stroke-dasharray": true, "opacity": true, "style": true, "color": true, "transform": true,
}

// NormalizeSVG is the pre-pass that makes SVG safe for oksvg: it drops
// elements and attributes of other namespaces (editor and RDF metadata),
// moves root presentation attributes to a wrapping group, replaces
// currentColor with black, and rewrites path data with explicit commands.
// Malformed XML or path data is an error, never a silently wrong image.
func NormalizeSVG(data []byte) ([]byte, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charset.NewReaderLabel
	var out bytes.Buffer
	depth, skip := 0, 0 // skip > 0 while inside a foreign element
	rootSeen := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("svg: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if skip > 0 || (t.Name.Space != svgNS && t.Name.Space != "") || t.Name.Local == "metadata" {
				skip++
				continue
			}
			if !rootSeen {
				if t.Name.Local != "svg" {
					return nil, fmt.Errorf("svg: root element is <%s>", t.Name.Local)
				}
				rootSeen = true
				writeRoot(&out, t.Attr)
				continue
			}
			out.WriteString("<" + t.Name.Local)
			for _, a := range t.Attr {
				if name, ok := keepAttr(a); ok {
					v := a.Value
					if name == "d" {
						if v, err = NormalizePath(v); err != nil {
							return nil, fmt.Errorf("svg <%s>: %w", t.Name.Local, err)
						}
					}
					writeAttr(&out, name, v)
				}
			}
			out.WriteString(">")
		case xml.EndElement:
			depth--
			if skip > 0 {
				skip--
				continue
			}
			if depth == 0 {
				out.WriteString("</g></svg>")
				continue
			}
			out.WriteString("</" + t.Name.Local + ">")
		case xml.CharData:
			if skip == 0 && rootSeen {
				xml.EscapeText(&out, t)
			}
		}
	}
	if !rootSeen {
		return nil, fmt.Errorf("svg: no <svg> element")
	}
	return out.Bytes(), nil
}

// writeRoot keeps the geometry on <svg> and opens the wrapping group with
// the root's presentation attributes. Without a viewBox, width and height
// give one.
func writeRoot(out *bytes.Buffer, attrs []xml.Attr) {
	var geo, style []xml.Attr
	hasViewBox := false
	var w, h string
	for _, a := range attrs {
		name, ok := keepAttr(a)
		if !ok {
			continue
		}
		switch {
		case name == "viewBox":
			hasViewBox = true
			geo = append(geo, a)
		case name == "width":
			w = strings.TrimSuffix(a.Value, "px")
		case name == "height":
			h = strings.TrimSuffix(a.Value, "px")
		case rootStyle[name]:
			style = append(style, a)
		}
	}
	out.WriteString(`<svg xmlns="` + svgNS + `"`)
	for _, a := range geo {
		writeAttr(out, a.Name.Local, a.Value)
	}
	if !hasViewBox && w != "" && h != "" {
		writeAttr(out, "viewBox", "0 0 "+w+" "+h)
	}
	out.WriteString("><g")
	for _, a := range style {
		writeAttr(out, a.Name.Local, a.Value)
	}
	out.WriteString(">")
}

// keepAttr keeps attributes without a namespace and xlink:href (as href,
// which is what oksvg reads).
func keepAttr(a xml.Attr) (string, bool) {
	switch {
	case a.Name.Space == "" && a.Name.Local != "xmlns":
		return a.Name.Local, true
	case a.Name.Space == xlinkNS && a.Name.Local == "href":
		return "href", true
	}
	return "", false
}

func writeAttr(out *bytes.Buffer, name, value string) {
	value = replaceFold(value, "currentColor", "#000000")
	out.WriteString(" " + name + `="`)
	xml.EscapeText(out, []byte(value))
	out.WriteString(`"`)
}

func replaceFold(s, old, new string) string {
	i := strings.Index(strings.ToLower(s), strings.ToLower(old))
	if i < 0 {
		return s
	}
	return s[:i] + new + replaceFold(s[i+len(old):], old, new)
}

// RasterizeGo draws an SVG with oksvg after the normalising pre-pass, at
// size×size with the viewBox fitted and centred, on transparent.
func RasterizeGo(data []byte, size int) (img image.Image, err error) {
	norm, err := NormalizeSVG(data)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil { // oksvg panics on some malformed input
			img, err = nil, fmt.Errorf("svg: oksvg: %v", r)
		}
	}()
	icon, err := oksvg.ReadIconStream(bytes.NewReader(norm), oksvg.IgnoreErrorMode)
	if err != nil {
		return nil, fmt.Errorf("svg: oksvg: %w", err)
	}
	vw, vh := icon.ViewBox.W, icon.ViewBox.H
	if vw <= 0 || vh <= 0 {
		return nil, fmt.Errorf("svg: no usable viewBox or size")
	}
	s := float64(size) / max(vw, vh)
	icon.SetTarget((float64(size)-vw*s)/2, (float64(size)-vh*s)/2, vw*s, vh*s)
	// oksvg scales the geometry to the target but not stroke widths and
	// dashes, which would come out thin by the same factor.
	for i := range icon.SVGPaths {
		p := &icon.SVGPaths[i]
		p.LineWidth *= s
		for k := range p.Dash {
			p.Dash[k] *= s
		}
	}
	rgba := image.NewRGBA(image.Rect(0, 0, size, size))
	scanner := rasterx.NewScannerGV(size, size, rgba, rgba.Bounds())
	icon.Draw(rasterx.NewDasher(size, size, scanner), 1)
	return rgba, nil
}

// RasterizeRsvg draws an SVG with rsvg-convert (Debian librsvg2-bin), the
// reference renderer, fitted into size×size.
func RasterizeRsvg(data []byte, size int) (image.Image, error) {
	var stderr bytes.Buffer
	cmd := exec.Command("rsvg-convert", "-w", fmt.Sprint(size), "-h", fmt.Sprint(size), "-a", "-f", "png")
	cmd.Stdin = bytes.NewReader(data)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("rsvg-convert: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return png.Decode(bytes.NewReader(out))
}
