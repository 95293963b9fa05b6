package tokenizer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// This file reads SentencePiece's serialized ModelProto (spiece.model,
// sentencepiece.model) with a minimal protobuf wire-format reader. Only
// the fields a Unigram encoder needs are kept:
//
//	ModelProto       1: pieces (repeated SentencePiece)
//	                 2: trainer_spec   3: normalizer_spec
//	SentencePiece    1: piece (string) 2: score (float) 3: type (enum)
//	TrainerSpec      3: model_type (1 UNIGRAM, 2 BPE, 3 WORD, 4 CHAR)
//	                 35: byte_fallback  40: unk_id
//	NormalizerSpec   1: name  2: precompiled_charsmap  3: add_dummy_prefix
//	                 4: remove_extra_whitespaces  5: escape_whitespaces

// PieceType is SentencePiece's ModelProto.SentencePiece.Type.
type PieceType int

// The piece types of SentencePiece's model.
const (
	PieceNormal      PieceType = 1
	PieceUnknown     PieceType = 2
	PieceControl     PieceType = 3
	PieceUserDefined PieceType = 4
	PieceUnused      PieceType = 5
	PieceByte        PieceType = 6
)

// Piece is one vocabulary entry of a Unigram model; its id is its index.
type Piece struct {
	Text  string
	Score float32 // log-probability
	Type  PieceType
}

// SentencePieceModel is the content of a SentencePiece .model file that
// this package uses.
type SentencePieceModel struct {
	Pieces       []Piece
	ModelType    int // 1: Unigram
	ByteFallback bool
	UnkID        int
	Normalizer   NormalizerSpec
}

// NormalizerSpec is SentencePiece's text normalization: a precompiled
// character map, then whitespace handling.
type NormalizerSpec struct {
	Name                   string
	CharsMap               []byte // precompiled_charsmap; empty: no mapping
	AddDummyPrefix         bool   // prepend "▁" (a space) to the text
	RemoveExtraWhitespaces bool   // trim, and collapse runs of spaces
	EscapeWhitespaces      bool   // " " -> "▁"
}

// pbField is one field of a protobuf message.
type pbField struct {
	num    int
	wire   int
	varint uint64
	bytes  []byte // length-delimited payload, or the 4/8 fixed bytes
}

// pbFields splits a protobuf message into its top-level fields.
func pbFields(b []byte) ([]pbField, error) {
	var out []pbField
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, errors.New("bad field key")
		}
		b = b[n:]
		f := pbField{num: int(key >> 3), wire: int(key & 7)}
		switch f.wire {
		case 0:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return nil, errors.New("bad varint")
			}
			f.varint, b = v, b[n:]
		case 1, 5:
			size := 8
			if f.wire == 5 {
				size = 4
			}
			if len(b) < size {
				return nil, errors.New("truncated fixed field")
			}
			f.bytes, b = b[:size], b[size:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return nil, errors.New("bad length")
			}
			f.bytes, b = b[n:n+int(l)], b[n+int(l):]
		default:
			return nil, fmt.Errorf("unsupported wire type %d", f.wire)
		}
		out = append(out, f)
	}
	return out, nil
}

// ParseSentencePieceModel decodes a serialized ModelProto.
func ParseSentencePieceModel(data []byte) (*SentencePieceModel, error) {
	top, err := pbFields(data)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: sentencepiece model: %w", err)
	}
	m := &SentencePieceModel{ModelType: 1, Normalizer: NormalizerSpec{
		AddDummyPrefix: true, RemoveExtraWhitespaces: true, EscapeWhitespaces: true}}
	for _, f := range top {
		if f.wire != 2 {
			continue
		}
		switch f.num {
		case 1:
			p := Piece{Type: PieceNormal}
			fs, err := pbFields(f.bytes)
			if err != nil {
				return nil, fmt.Errorf("tokenizer: sentencepiece piece %d: %w", len(m.Pieces), err)
			}
			for _, g := range fs {
				switch {
				case g.num == 1 && g.wire == 2:
					p.Text = string(g.bytes)
				case g.num == 2 && g.wire == 5:
					p.Score = math.Float32frombits(binary.LittleEndian.Uint32(g.bytes))
				case g.num == 3 && g.wire == 0:
					p.Type = PieceType(g.varint)
				}
			}
			m.Pieces = append(m.Pieces, p)
		case 2:
			fs, err := pbFields(f.bytes)
			if err != nil {
				return nil, fmt.Errorf("tokenizer: sentencepiece trainer_spec: %w", err)
			}
			for _, g := range fs {
				if g.wire != 0 {
					continue
				}
				switch g.num {
				case 3:
					m.ModelType = int(g.varint)
				case 35:
					m.ByteFallback = g.varint != 0
				case 40:
					m.UnkID = int(int32(g.varint))
				}
			}
		case 3:
			fs, err := pbFields(f.bytes)
			if err != nil {
				return nil, fmt.Errorf("tokenizer: sentencepiece normalizer_spec: %w", err)
			}
			n := &m.Normalizer
			for _, g := range fs {
				switch {
				case g.num == 1 && g.wire == 2:
					n.Name = string(g.bytes)
				case g.num == 2 && g.wire == 2:
					n.CharsMap = append([]byte(nil), g.bytes...)
				case g.num == 3 && g.wire == 0:
					n.AddDummyPrefix = g.varint != 0
				case g.num == 4 && g.wire == 0:
					n.RemoveExtraWhitespaces = g.varint != 0
				case g.num == 5 && g.wire == 0:
					n.EscapeWhitespaces = g.varint != 0
				}
			}
		}
	}
	if len(m.Pieces) == 0 {
		return nil, errors.New("tokenizer: sentencepiece model has no pieces")
	}
	return m, nil
}
