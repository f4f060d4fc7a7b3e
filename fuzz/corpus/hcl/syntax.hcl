# every syntax feature the reader takes
a = "tab\t \"q\" \u00e9 \U0001F600 $${x} %%{y}"
b = <<EOF
heredoc
EOF
c = <<-EOT
    indented
  EOT
n = [1, 2.5, -3, 1e3, true, false, null]
o = { k = "v", "q": 1
  nested = { x = [] } }
/* block
comment */ blk "l1" l2 { inner = 1 }
empty {}
