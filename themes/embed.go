// Package themes embeds the portal's Hugo themes so that the portal binary
// can build a site from anywhere.
package themes

import "embed"

// FS holds the themes, each under its own folder ("portal/...").
//
//go:embed all:portal
var FS embed.FS
