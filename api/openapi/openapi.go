// Package openapi embeds the OpenAPI (Swagger 2.0) document generated from
// the Engage protos, so the gateway can serve it without reading files.
package openapi

import _ "embed"

// Document is the merged OpenAPI document for every Engage service.
//
//go:embed engage.swagger.json
var Document []byte
