package dataset

// Sources lists every image set of the dataset in build order, with the
// pinned package versions of docs/data.md.
func Sources() []Source {
	tablerPNG := Package{"npm", "@tabler/icons-png", "3.48.0"}
	tablerMeta := Package{"npm", "@tabler/icons", "3.48.0"}
	ds := func(style string) Package { return Package{"npm", "emoji-datasource-" + style, "16.0.0"} }
	openmoji := Package{"npm", "openmoji", "17.0.0"}
	const omAttr = "All emojis designed by OpenMoji – the open-source emoji and icon project. License: CC BY-SA 4.0 (https://openmoji.org)."
	const eoAttr = "Emoji artwork by EmojiOne (Emoji One), licensed CC BY 4.0, via the Iconify JSON package."
	return []Source{
		{Name: "emoji-google", Licence: "Apache-2.0", Packages: []Package{ds("google"), emojibase},
			Attribution: "Noto Emoji images Copyright Google Inc., Apache License 2.0, packaged by emoji-datasource (MIT, Cal Henderson). Captions from emojibase-data (MIT).",
			Load:        loadDatasource("google")},
		{Name: "emoji-twitter", Licence: "CC-BY-4.0", Packages: []Package{ds("twitter"), emojibase},
			Attribution: "Twemoji graphics Copyright Twitter, Inc and other contributors, licensed CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/), packaged by emoji-datasource (MIT). Captions from emojibase-data (MIT).",
			Load:        loadDatasource("twitter")},
		{Name: "openmoji-color", Licence: "CC-BY-SA-4.0", Packages: []Package{openmoji, emojibase},
			Attribution: omAttr, Rasterizer: "go", Load: loadOpenmoji("color")},
		{Name: "openmoji-black", Licence: "CC-BY-SA-4.0", Packages: []Package{openmoji, emojibase},
			Attribution: omAttr, Rasterizer: "go", Load: loadOpenmoji("black")},
		{Name: "noto-v1", Licence: "Apache-2.0", Packages: []Package{{"npm", "@iconify-json/noto-v1", "1.2.5"}, emojibase},
			Attribution: "Noto Emoji (v1) by Google Inc., Apache License 2.0, via the Iconify JSON package.",
			Rasterizer:  "rsvg", Load: loadIconify}, // oksvg lacks clip paths: 18% mismatches
		{Name: "emojione", Licence: "CC-BY-4.0", Packages: []Package{{"npm", "@iconify-json/emojione", "1.2.3"}, emojibase},
			Attribution: eoAttr, Rasterizer: "go", Load: loadIconify},
		{Name: "emojione-monotone", Licence: "CC-BY-4.0", Packages: []Package{{"npm", "@iconify-json/emojione-monotone", "1.2.1"}, emojibase},
			Attribution: eoAttr, Rasterizer: "go", Load: loadIconify},
		{Name: "tabler", Licence: "MIT", Packages: []Package{tablerPNG, tablerMeta},
			Attribution: "Tabler Icons Copyright (c) 2020-2024 Paweł Kuna, MIT License.",
			Load:        loadTabler},
		{Name: "mdi", Licence: "Apache-2.0", Packages: []Package{{"npm", "@mdi/svg", "7.4.47"}},
			Attribution: "Material Design Icons by Pictogrammers, Apache License 2.0.",
			Rasterizer:  "go", Load: loadMDI},
		{Name: "lucide", Licence: "ISC", Packages: []Package{{"npm", "lucide-static", "1.62.0"}},
			Attribution: "Lucide icons Copyright (c) Lucide Contributors, ISC License; parts Copyright (c) Cole Bemis (Feather), MIT License.",
			Rasterizer:  "go", Load: loadLucide},
		{Name: "phosphor", Licence: "MIT", Packages: []Package{{"npm", "@phosphor-icons/core", "2.1.1"}},
			Attribution: "Phosphor Icons Copyright (c) 2023 Phosphor Icons, MIT License.",
			Rasterizer:  "go", Load: loadPhosphor},
		{Name: "openclipart", Licence: "public-domain", Packages: []Package{{"deb", "openclipart-png", "1:0.18+dfsg-19"}, {"deb", "openclipart-svg", "1:0.18+dfsg-19"}},
			Attribution: "Open Clip Art Library drawings, dedicated to the public domain by their authors (Debian packages openclipart-png and openclipart-svg).",
			Load:        loadClipart},
	}
}
