a = 1
block "x" {
  b = "two"
}
c = <<EOF
line
EOF
