block "x"
