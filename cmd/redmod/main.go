// Command redmod is the standard redmod server: a Redis-compatible server
// with every standard module.
//
//	go run ./cmd/redmod                 # serves 127.0.0.1:6380, data in ./data
//	go run ./cmd/redmod --port 7000 --dump ""
package main

//go:generate go run . commands -readme ../../README.md

import (
	"os"

	"github.com/redmod/redmod/cli"
	_ "github.com/redmod/redmod/modules/std"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
