// Command ratelimit-server is a trimmed redmod server: the server basics
// (PING, INFO, CONFIG, COMMAND, SAVE: the admin module), the strings module
// and the ratelimit module, nothing else.
//
//	go run ./cmd/ratelimit-server --port 6390 --dump /tmp/rl.rdm --ratelimit.capacity 5
//
// `redmod build --with strings --with example.com/ratelimit=.` builds the
// same binary without this file.
package main

import (
	"os"

	_ "example.com/ratelimit"
	"github.com/redmod/redmod/cli"
	_ "github.com/redmod/redmod/modules/admin"
	_ "github.com/redmod/redmod/modules/strings"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
