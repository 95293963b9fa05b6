package dataset

import "sort"

// Sample keeps about n items, spread evenly over sources and, within a
// source, over splits (a fifth each for val and test where a source has
// them), choosing by a hash of the id so the choice is stable.
func Sample(items []Item, n int) []Item {
	bySource := map[string][]Item{}
	var sources []string
	for _, it := range items {
		if _, ok := bySource[it.Source]; !ok {
			sources = append(sources, it.Source)
		}
		bySource[it.Source] = append(bySource[it.Source], it)
	}
	if len(sources) == 0 {
		return nil
	}
	per := (n + len(sources) - 1) / len(sources)
	var out []Item
	for _, s := range sources {
		bySplit := map[string][]Item{}
		for _, it := range bySource[s] {
			bySplit[it.Split] = append(bySplit[it.Split], it)
		}
		for _, sp := range []string{Val, Test, Train} {
			c := bySplit[sp]
			sort.Slice(c, func(i, j int) bool { return keyHash(c[i].ID) < keyHash(c[j].ID) })
			quota := per / 5
			if sp == Train {
				quota = per - countSource(out, s)
			}
			out = append(out, c[:min(quota, len(c))]...)
		}
	}
	sortBySourceThenID(out, sources)
	return out
}

func countSource(items []Item, s string) int {
	n := 0
	for _, it := range items {
		if it.Source == s {
			n++
		}
	}
	return n
}

func sortBySourceThenID(items []Item, order []string) {
	rank := map[string]int{}
	for i, s := range order {
		rank[s] = i
	}
	sort.SliceStable(items, func(i, j int) bool {
		if rank[items[i].Source] != rank[items[j].Source] {
			return rank[items[i].Source] < rank[items[j].Source]
		}
		return items[i].ID < items[j].ID
	})
}
