-- Shortcode {{< solution ID >}} for the Chinese pages (nbs/_quarto.yml: shortcodes): the code blocks of the
-- English notebook's call-out "Solution ID", so a solution's code exists once (tests/exercise_support.py
-- runs it through the checker) and the Chinese call-out around the shortcode explains it in Chinese.
local function english_notebook()
  local f = (quarto and quarto.doc and quarto.doc.input_file) or ""
  local stem = f:match("^(.*)%.zh%.qmd$")
  return stem and (stem .. ".ipynb") or nil
end

local notebooks = {}  -- path -> the decoded notebook: a page's shortcodes read it once

local function read_notebook(path, id)
  if not notebooks[path] then
    local fh = path and io.open(path, "r")
    if not fh then error("solution " .. id .. ": no English notebook beside " .. tostring(path)) end
    notebooks[path] = pandoc.json.decode(fh:read("a"), false)
    fh:close()
  end
  return notebooks[path]
end

return {
  ["solution"] = function(args)
    local id = pandoc.utils.stringify(args[1] or "")
    local path = english_notebook()
    local nb = read_notebook(path, id)
    local want = 'title="Solution ' .. id .. '"'
    for _, c in ipairs(nb.cells) do
      local s = type(c.source) == "table" and table.concat(c.source) or (c.source or "")
      if c.cell_type == "markdown" and s:find(want, 1, true) then
        local out = pandoc.Blocks({})
        pandoc.read(s, "markdown"):walk({CodeBlock = function(cb) out:insert(cb) end})
        if #out == 0 then error("solution " .. id .. ": its English call-out has no code") end
        return out
      end
    end
    error("solution " .. id .. ": no call-out titled \"Solution " .. id .. "\" in " .. path)
  end
}
