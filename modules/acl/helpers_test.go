package acl_test

import "github.com/redmod/redmod/acl"

func aclHash(s string) string { return acl.Hash(s) }
