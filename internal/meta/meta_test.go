package meta

import "testing"

func TestSnakeCase(t *testing.T) {
	tests := []struct{ name, want string }{
		{"ID", "id"}, {"Id", "id"}, {"UserID", "user_id"}, {"HTTPServer", "http_server"},
		{"BookTag", "book_tag"}, {"User", "user"}, {"ForSale", "for_sale"}, {"A1B", "a1_b"},
		{"PStr", "p_str"}, {"OwnerID", "owner_id"}, {"already_snake", "already_snake"},
	}
	for _, tc := range tests {
		if got := SnakeCase(tc.name); got != tc.want {
			t.Errorf("SnakeCase(%q) = %q; want %q", tc.name, got, tc.want)
		}
	}
}
