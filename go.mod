module github.com/redmod/redmod

go 1.26.0

require (
	github.com/hashicorp/go-hclog v1.6.3
	github.com/tidwall/redcon v1.6.4
)

require (
	github.com/fatih/color v1.13.0 // indirect
	github.com/gobwas/glob v1.1.0 // indirect
	github.com/mattn/go-colorable v0.1.12 // indirect
	github.com/mattn/go-isatty v0.0.14 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	github.com/tidwall/btree v1.1.0 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	golang.org/x/sys v0.48.0 // indirect
)
