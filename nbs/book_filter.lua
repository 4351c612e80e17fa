-- Quarto filter for the dlnotes site (nbs/_quarto.yml: filters). It lives in nbs/ because nbdev renders
-- a copy of nbs/ (_proc/, then per-worker copies), so only files in nbs/ travel with the pages.
-- 1. Numbered page titles: NN_x.ipynb -> "Chapter NN · <title>", 9N_x.ipynb -> "Appendix <letter> · <title>"
--    (90 -> A, 91 -> B, ...), unless the title already starts with "Appendix"/"Chapter"; on the Chinese pages
--    (NN_x.zh.qmd) "第 NN 章 · " and "附录 <letter> · ".
-- 2. API links that work in a local copy of the site: nbdev writes links to the exported API as absolute
--    URLs on the published site (doc_host/doc_baseurl); they are made relative to the page, so a copy of
--    _docs/ opened from disk (or served anywhere) links to its own pages.
local SITE = "https://dlnotes.github.io/dlnotes/"

local function stem()
  local f = (quarto and quarto.doc and quarto.doc.input_file) or (PANDOC_STATE and PANDOC_STATE.input_files[1]) or ""
  return f:match("([^/\\]+)$") or ""
end

local function prefix_for(name)
  local num = name:match("^(%d%d%a?)_")
  if not num then return nil end
  local zh = name:match("%.zh%.qmd$")  -- a Chinese page (nbs/zh.lua)
  local a = num:match("^9(%d)$")
  if a then return (zh and "附录 " or "Appendix ") .. string.char(65 + tonumber(a)) .. " · " end
  return zh and ("第 " .. num .. " 章 · ") or ("Chapter " .. num .. " · ")
end

local function localize(url)
  if url:sub(1, #SITE) == SITE then
    local rest = url:sub(#SITE + 1)
    if rest == "" or rest:sub(1, 1) == "#" then rest = "index.html" .. rest end
    return rest
  end
  return url
end

function Meta(meta)
  local p = prefix_for(stem())
  if p and meta.title then
    local t = pandoc.utils.stringify(meta.title)
    if not (t:match("^Appendix") or t:match("^Chapter") or t:match("^附录") or t:match("^第")) then
      meta.title = pandoc.Inlines({pandoc.Str(p)}) .. pandoc.Inlines(meta.title)
      if not meta.pagetitle then meta.pagetitle = p .. t end
    end
  end
  return meta
end

function Link(el)
  el.target = localize(el.target)
  return el
end

local function raw(el)
  if el.format:match("html") then
    el.text = el.text:gsub('href="' .. SITE:gsub("%p", "%%%0") .. '([^"]*)"', function(rest)
      return 'href="' .. localize(SITE .. rest) .. '"'
    end)
  end
  return el
end
RawInline = raw
RawBlock = raw

-- 3. API docs: nbdev's show_doc writes a class's signature as `def ClassName(`; on the site it reads
--    `class ClassName(`. Only show_doc's own code blocks (not the notebook's code cells) are touched, and
--    only CamelCase names, which in this book are classes.
function CodeBlock(el)
  if el.classes:includes("python") and not el.classes:includes("cell-code") and el.text:match("^def %u%w*%(") then
    el.text = el.text:gsub("^def ", "class ", 1)
    return el
  end
end
