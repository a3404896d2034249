// Package layout holds no code; its test checks the import rules of STYLE.md
// over every module of the workspace with `go list -deps`.
package layout
