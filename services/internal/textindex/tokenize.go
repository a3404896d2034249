package textindex

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxTermRunes bounds a word: longer runs of letters are URLs or encoded
// data nobody searches for, and they would bloat the dictionary.
const maxTermRunes = 40

// charClass says what a code point is to the tokenizer.
type charClass uint8

const (
	charSpace charClass = iota // separates words
	charWord                   // part of a word
	charAlone                  // a word by itself (Han, Hiragana)
)

// classify tells the class of r; a combining mark is part of a word only
// when it follows one.
func classify(r rune, inWord bool) charClass {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
			return charWord
		}
		return charSpace
	}
	switch {
	case unicode.In(r, unicode.Han, unicode.Hiragana):
		return charAlone
	case unicode.IsLetter(r), unicode.IsDigit(r):
		return charWord
	case inWord && unicode.IsMark(r):
		return charWord
	}
	return charSpace
}

// tokenizer turns text into terms. It reuses its buffers, so it must not be
// shared between goroutines.
type tokenizer struct {
	term []byte    // the current term
	nfkd []byte    // the current word, decomposed
	iter norm.Iter // decomposes without allocating, unlike AppendString
}

// scan calls emit for every term of text in order, with the code-point range
// [start, end) of its word in text. term is valid only during the call.
func (tk *tokenizer) scan(text string, emit func(start, end int, term []byte)) {
	wordAt, wordRune := -1, 0 // byte and code-point offsets of the current word; -1 outside one
	ascii := true
	n := 0 // code points so far
	for i, r := range text {
		switch classify(r, wordAt >= 0) {
		case charWord:
			if wordAt < 0 {
				wordAt, wordRune, ascii = i, n, true
			}
			if r >= utf8.RuneSelf {
				ascii = false
			}
		case charAlone:
			if wordAt >= 0 {
				tk.word(text[wordAt:i], wordRune, n, ascii, emit)
				wordAt = -1
			}
			tk.word(text[i:i+utf8.RuneLen(r)], n, n+1, false, emit)
		default:
			if wordAt >= 0 {
				tk.word(text[wordAt:i], wordRune, n, ascii, emit)
				wordAt = -1
			}
		}
		n++
	}
	if wordAt >= 0 {
		tk.word(text[wordAt:], wordRune, n, ascii, emit)
	}
}

// word normalizes one word and emits it unless it is too long, empty after
// folding, or a stop word.
func (tk *tokenizer) word(w string, start, end int, ascii bool, emit func(start, end int, term []byte)) {
	if end-start > maxTermRunes {
		return
	}
	t := tk.term[:0]
	if ascii {
		for i := 0; i < len(w); i++ {
			c := w[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			t = append(t, c)
		}
	} else {
		t = tk.fold(t, w)
	}
	tk.term = t
	if len(t) == 0 || isStopword(string(t)) {
		return
	}
	t = stem(t)
	emit(start, end, t)
}

// fold appends w to t decomposed, without combining marks and lower-cased,
// so that accented and compatibility forms meet their plain form.
func (tk *tokenizer) fold(t []byte, w string) []byte {
	tk.nfkd = tk.nfkd[:0]
	for tk.iter.InitString(norm.NFKD, w); !tk.iter.Done(); {
		tk.nfkd = append(tk.nfkd, tk.iter.Next()...)
	}
	for _, r := range string(tk.nfkd) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		r = unicode.ToLower(r)
		if r == 'ς' { // final sigma is the same letter
			r = 'σ'
		}
		t = utf8.AppendRune(t, r)
	}
	return t
}

// isStopword reports whether t is one of the English words too common to
// index (Lucene's English stop set, plus the "s" and "t" that apostrophes
// leave behind).
func isStopword(t string) bool {
	switch t {
	case "a", "an", "and", "are", "as", "at", "be", "but", "by", "for",
		"if", "in", "into", "is", "it", "no", "not", "of", "on", "or",
		"such", "that", "the", "their", "then", "there", "these", "they",
		"this", "to", "was", "will", "with", "s", "t":
		return true
	}
	return false
}

// stem folds English plurals with Harman's "S" stemmer (see the package
// doc), rewriting t in place.
func stem(t []byte) []byte {
	n := len(t)
	if n < 4 || t[n-1] != 's' {
		return t
	}
	switch {
	case n >= 5 && hasSuffix(t, "ies") && !hasSuffix(t, "eies") && !hasSuffix(t, "aies"):
		return append(t[:n-3], 'y')
	case hasSuffix(t, "es") && !hasSuffix(t, "aes") && !hasSuffix(t, "ees") && !hasSuffix(t, "oes"):
		return t[:n-1]
	case hasSuffix(t, "us"), hasSuffix(t, "ss"), hasSuffix(t, "is"):
		return t
	}
	return t[:n-1]
}

func hasSuffix(t []byte, suffix string) bool {
	return len(t) >= len(suffix) && string(t[len(t)-len(suffix):]) == suffix
}
