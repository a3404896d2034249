// Package textindex is an in-memory inverted index for full-text search over
// short documents grouped by a key, such as forum posts grouped by thread.
//
// The owning service keeps the index current on every write and rebuilds it
// at startup from its store, which stays the source of truth; the index
// keeps nothing on disk.
//
// # Terms
//
// Text is cut into words of letters and digits (unicode.IsLetter and
// unicode.IsDigit, combining marks stay with their word). Each Han or
// Hiragana character is a word of its own, because those scripts do not
// separate words with spaces. A word is decomposed (NFKD), stripped of its
// combining marks ("café" and "cafe" are one term, so are "ﬁle" and "file")
// and lower-cased. Words longer than 40 code points are skipped (URLs,
// encoded blobs), and so are the words of a short English stop list. What is
// left goes through the "S" stemmer of Harman (1991), which only folds
// English plurals: "ies" becomes "y" ("cities" → "city") in words of five
// bytes or more, "es" becomes "e" unless after a, e or o ("houses" →
// "house"), and a final "s" is dropped unless after u, s or i ("bikes" →
// "bike", "bus" and "crisis" stay). Words shorter than four bytes are never
// stemmed. Plurals are folded because residents search "stolen bikes" for a
// post about a stolen bike; heavier stemmers conflate unrelated words and
// make prefix matching of the last query word unpredictable.
//
// # Structure and updates
//
// A term dictionary maps each term to its postings: (document ordinal,
// field-weighted term frequency), sorted by ordinal because ordinals only
// grow. A document table holds each ordinal's id, group, weighted length and
// live flag. Term ids are also kept sorted by text (with a short unsorted
// tail merged in every thousand new terms) for prefix expansion.
//
// Put of an existing id and Delete mark the old ordinal dead (a tombstone)
// and subtract it from the live document frequencies at once, so ranking
// never counts deleted text; the dead postings are skipped by searches and
// dropped by a compaction that runs inside the write once a quarter of the
// ordinals (and at least 1,024) are dead. Compaction renumbers the live
// documents in order and drops terms no live document uses.
//
// # Search
//
// Every query word must match (AND); the last word also matches as a prefix
// of up to 50 terms, most frequent first, the word itself always among them.
// Documents are scored with BM25 (k1 1.2, b 0.75) over field-weighted term
// frequencies and lengths (a simplified BM25F); a term that only starts with
// the last query word counts half. The best document of each group stands
// for the group, and the caller's AllowGroup filter is asked once about
// each group with a match.
// Groups are ordered by score, then by group, so pages are stable.
//
// Searches run in parallel under a read lock; writes take the lock alone and
// do their tokenizing before taking it.
package textindex
