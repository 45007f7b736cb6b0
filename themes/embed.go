// Package themes embeds the portal's Hugo themes so that the portal binary
// can build a site from anywhere.
package themes

import "embed"

// FS holds the themes, each under its own folder ("portal/..."): what Hugo
// reads (layouts, assets, the theme's config), not its README or images.
//
//go:embed portal/hugo.toml all:portal/layouts all:portal/assets
var FS embed.FS
