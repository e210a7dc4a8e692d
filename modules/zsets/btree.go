package zsets

// The large form of a sorted set orders its members with a counted B+tree:
// leaves hold (score, member) items in order, inner nodes know the size of
// each subtree, so finding a member's rank, the member at a rank and the
// bounds of a score or lex range all take logarithmic time, as Redis's skip
// list does. Items live in arrays of up to leafMax, which costs far less
// memory than one heap node per member.

const (
	leafMax  = 64
	innerMax = 64
)

// item is one member of a sorted set.
type item struct {
	member string
	score  float64
}

// less orders items as Redis does: by score, then by member bytes.
func less(a, b *item) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.member < b.member
}

type bnode struct {
	items []item   // a leaf's items
	kids  []*bnode // an inner node's children
	// keys[i] is a lower bound of kids[i]'s items (its first item when it
	// was set) and an upper bound of kids[i-1]'s; keys[0] is unused.
	keys  []item
	sizes []int32 // number of items under each child
	size  int     // number of items under this node
}

func (n *bnode) leaf() bool { return n.kids == nil }

type btree struct {
	root *bnode
}

func newBtree() *btree { return &btree{root: &bnode{}} }

func (t *btree) len() int { return t.root.size }

// childFor returns the child of the inner node n where x belongs.
func (n *bnode) childFor(x *item) int {
	lo, hi := 1, len(n.kids) // first key > x
	for lo < hi {
		m := (lo + hi) / 2
		if less(x, &n.keys[m]) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo - 1
}

// leafPos returns the index of the first item >= x in a leaf.
func (n *bnode) leafPos(x *item) int {
	lo, hi := 0, len(n.items)
	for lo < hi {
		m := (lo + hi) / 2
		if less(&n.items[m], x) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// insert adds x, which must not be present.
func (t *btree) insert(x item) {
	if right := t.root.insert(x); right != nil {
		left := t.root
		t.root = &bnode{
			kids:  []*bnode{left, right},
			keys:  []item{{}, right.first()},
			sizes: []int32{int32(left.size), int32(right.size)},
			size:  left.size + right.size,
		}
	}
}

func (n *bnode) first() item {
	for !n.leaf() {
		n = n.kids[0]
	}
	return n.items[0]
}

// insert adds x under n and returns the new right sibling when n split.
func (n *bnode) insert(x item) *bnode {
	n.size++
	if n.leaf() {
		i := n.leafPos(&x)
		if len(n.items) < leafMax {
			n.items = append(n.items, item{})
			copy(n.items[i+1:], n.items[i:])
			n.items[i] = x
			return nil
		}
		// Split. Appending at the end (rising scores, the common case)
		// keeps the left leaf full instead of leaving two half-empty ones.
		var at int
		switch i {
		case len(n.items):
			at = len(n.items)
		case 0:
			at = 0
		default:
			at = len(n.items) / 2
		}
		right := &bnode{items: make([]item, 0, max(leafMax-at, 8))}
		right.items = append(right.items, n.items[at:]...)
		clear(n.items[at:])
		n.items = n.items[:at]
		if i < at || (i == at && at == 0) {
			n.items = append(n.items, item{})
			copy(n.items[i+1:], n.items[i:])
			n.items[i] = x
		} else {
			j := i - at
			right.items = append(right.items, item{})
			copy(right.items[j+1:], right.items[j:])
			right.items[j] = x
		}
		n.size = len(n.items)
		right.size = len(right.items)
		return right
	}
	i := n.childFor(&x)
	split := n.kids[i].insert(x)
	n.sizes[i]++
	if split == nil {
		return nil
	}
	n.sizes[i] = int32(n.kids[i].size)
	n.kids = append(n.kids, nil)
	copy(n.kids[i+2:], n.kids[i+1:])
	n.kids[i+1] = split
	n.keys = append(n.keys, item{})
	copy(n.keys[i+2:], n.keys[i+1:])
	n.keys[i+1] = split.first()
	n.sizes = append(n.sizes, 0)
	copy(n.sizes[i+2:], n.sizes[i+1:])
	n.sizes[i+1] = int32(split.size)
	if len(n.kids) <= innerMax {
		return nil
	}
	at := len(n.kids) / 2
	right := &bnode{
		kids:  append([]*bnode(nil), n.kids[at:]...),
		keys:  append([]item(nil), n.keys[at:]...),
		sizes: append([]int32(nil), n.sizes[at:]...),
	}
	clear(n.kids[at:])
	clear(n.keys[at:])
	n.kids, n.keys, n.sizes = n.kids[:at], n.keys[:at], n.sizes[:at]
	n.size = 0
	for _, s := range n.sizes {
		n.size += int(s)
	}
	for _, s := range right.sizes {
		right.size += int(s)
	}
	return right
}

// remove deletes x, which must be present, and returns the member string
// the tree held (so that a score update can insert it again without
// allocating another).
func (t *btree) remove(x item) string {
	m := t.root.remove(&x)
	for !t.root.leaf() && len(t.root.kids) == 1 {
		t.root = t.root.kids[0]
	}
	return m
}

func (n *bnode) remove(x *item) (member string) {
	n.size--
	if n.leaf() {
		i := n.leafPos(x)
		member = n.items[i].member
		copy(n.items[i:], n.items[i+1:])
		n.items[len(n.items)-1] = item{}
		n.items = n.items[:len(n.items)-1]
		return member
	}
	i := n.childFor(x)
	member = n.kids[i].remove(x)
	n.sizes[i]--
	n.rebalance(i)
	return member
}

// removeAt deletes the item of rank r, which must exist, and returns it:
// a pop walks down by the subtree sizes alone, without comparing items.
func (t *btree) removeAt(r int) item {
	it := t.root.removeAt(r)
	for !t.root.leaf() && len(t.root.kids) == 1 {
		t.root = t.root.kids[0]
	}
	return it
}

func (n *bnode) removeAt(r int) (it item) {
	n.size--
	if n.leaf() {
		it = n.items[r]
		copy(n.items[r:], n.items[r+1:])
		n.items[len(n.items)-1] = item{}
		n.items = n.items[:len(n.items)-1]
		return it
	}
	i := 0
	for r >= int(n.sizes[i]) {
		r -= int(n.sizes[i])
		i++
	}
	it = n.kids[i].removeAt(r)
	n.sizes[i]--
	n.rebalance(i)
	return it
}

// rebalance follows a removal under child i of n.
func (n *bnode) rebalance(i int) {
	k := n.kids[i]
	// Merge a child that became small with a neighbour when both fit in
	// one node, so that popping and range deletions do not leave the tree
	// full of nearly empty nodes.
	limit := leafMax
	if !k.leaf() {
		limit = innerMax
	}
	if k.count() > limit/4 {
		return
	}
	j := i + 1
	if j == len(n.kids) {
		i, j = i-1, i
	}
	if i < 0 {
		return // an only child
	}
	a, b := n.kids[i], n.kids[j]
	if a.count()+b.count() > limit {
		return
	}
	if a.leaf() {
		a.items = append(a.items, b.items...)
	} else {
		bkeys := b.keys
		bkeys[0] = n.keys[j]
		a.kids = append(a.kids, b.kids...)
		a.keys = append(a.keys, bkeys...)
		a.sizes = append(a.sizes, b.sizes...)
	}
	a.size += b.size
	n.sizes[i] = int32(a.size)
	copy(n.kids[j:], n.kids[j+1:])
	n.kids[len(n.kids)-1] = nil
	n.kids = n.kids[:len(n.kids)-1]
	copy(n.keys[j:], n.keys[j+1:])
	n.keys[len(n.keys)-1] = item{}
	n.keys = n.keys[:len(n.keys)-1]
	copy(n.sizes[j:], n.sizes[j+1:])
	n.sizes = n.sizes[:len(n.sizes)-1]
}

func (n *bnode) count() int {
	if n.leaf() {
		return len(n.items)
	}
	return len(n.kids)
}

// rank returns the number of items ordered before x.
func (t *btree) rank(x item) int {
	r := 0
	n := t.root
	for !n.leaf() {
		i := n.childFor(&x)
		for j := 0; j < i; j++ {
			r += int(n.sizes[j])
		}
		n = n.kids[i]
	}
	return r + n.leafPos(&x)
}

// countBefore returns the number of items for which before holds; before
// must hold for a prefix of the order and fail for the rest.
func (t *btree) countBefore(before func(*item) bool) int {
	r := 0
	n := t.root
	for !n.leaf() {
		i := 0
		for i+1 < len(n.kids) && before(&n.keys[i+1]) {
			r += int(n.sizes[i])
			i++
		}
		n = n.kids[i]
	}
	lo, hi := 0, len(n.items)
	for lo < hi {
		m := (lo + hi) / 2
		if before(&n.items[m]) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return r + lo
}

// at returns the item at rank r (0-based), which must exist.
func (t *btree) at(r int) *item {
	n := t.root
	for !n.leaf() {
		i := 0
		for r >= int(n.sizes[i]) {
			r -= int(n.sizes[i])
			i++
		}
		n = n.kids[i]
	}
	return &n.items[r]
}

// ascend calls fn for the items from rank r on, in order, until fn returns
// false.
func (t *btree) ascend(r int, fn func(*item) bool) {
	t.root.ascend(r, fn)
}

func (n *bnode) ascend(r int, fn func(*item) bool) bool {
	if n.leaf() {
		for i := r; i < len(n.items); i++ {
			if !fn(&n.items[i]) {
				return false
			}
		}
		return true
	}
	for i, k := range n.kids {
		s := int(n.sizes[i])
		if r >= s {
			r -= s
			continue
		}
		if !k.ascend(r, fn) {
			return false
		}
		r = 0
	}
	return true
}

// descend calls fn for the items from rank r down to rank 0, until fn
// returns false.
func (t *btree) descend(r int, fn func(*item) bool) {
	if r >= 0 {
		t.root.descend(r, fn)
	}
}

func (n *bnode) descend(r int, fn func(*item) bool) bool {
	if n.leaf() {
		for i := r; i >= 0; i-- {
			if !fn(&n.items[i]) {
				return false
			}
		}
		return true
	}
	// Find the child holding rank r, then walk leftwards.
	i := 0
	for r >= int(n.sizes[i]) {
		r -= int(n.sizes[i])
		i++
	}
	for ; i >= 0; i-- {
		if !n.kids[i].descend(r, fn) {
			return false
		}
		if i > 0 {
			r = int(n.sizes[i-1]) - 1
		}
	}
	return true
}

// nodes returns the number of nodes, for memory estimates.
func (n *bnode) nodes() int {
	c := 1
	for _, k := range n.kids {
		c += k.nodes()
	}
	return c
}
