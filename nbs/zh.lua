-- The two editions (nbs/_quarto.yml: filters). English pages are the notebooks `NN_name.ipynb`; each
-- Chinese page is `NN_name.zh.qmd` beside it (tools/zh_pages.py says how one is written and checks it).
-- On every page: a link to the same page in the other language (and <link rel="alternate" hreflang>).
-- On Chinese pages only:
--   * `::: {.zh-fig alt="…"}` around an embedded figure: the Chinese paragraph(s) in the block become the
--     figure's caption and `alt` its alt text (the embedded cell brings the English ones);
--   * `::: {.zh-exercise}` around an embedded exercise stub: its code only (the saved "not attempted" line
--     is English; a reader runs `check(..., lang="zh")`);
--   * links to an English page (`02_descent.ipynb#anchor`) go to its Chinese page, same anchor;
--   * every `##`… heading takes the anchor of the English heading in the same place, so the anchors (and
--     every link to a section) are the same in both editions;
--   * a line break in the source between Chinese characters is no space;
--   * the glossary's section links read the Chinese section titles.

local function input_path()
  return (quarto and quarto.doc and quarto.doc.input_file) or (PANDOC_STATE and PANDOC_STATE.input_files[1]) or ""
end
local function dir_of(p) return p:match("^(.*)[/\\]") or "." end
local function name_of(p) return p:match("([^/\\]+)$") or p end
local function exists(p) local f = io.open(p, "r"); if f then f:close() return true end return false end

-- nbdev's page names: the notebook's name, lower-cased, without its number prefix (nbdev.config.nbpath2html)
local function html_name(stem) return (stem:lower():gsub("^%d+[%w]*_", "", 1)) end

local INPUT = input_path()
local NAME = name_of(INPUT)
local ZH_STEM = NAME:match("^(.*)%.zh%.qmd$")
local EN_STEM = ZH_STEM or NAME:match("^(.*)%.ipynb$")
local DIR = dir_of(INPUT)

local function zh_exists(stem) return exists(DIR .. "/" .. stem .. ".zh.qmd") end

local function switch_block()
  if not EN_STEM then return nil end
  local href, text, lang
  if ZH_STEM then
    href, text, lang = html_name(EN_STEM) .. ".html", "English", "en"
  elseif zh_exists(EN_STEM) then
    href, text, lang = html_name(EN_STEM) .. ".zh.html", "中文", "zh"
  else
    return nil
  end
  if quarto and quarto.doc and quarto.doc.include_text then
    quarto.doc.include_text("in-header", '<link rel="alternate" hreflang="' .. lang .. '" href="' .. href .. '">')
  end
  return pandoc.RawBlock("html", '<p class="lang-switch"><a href="' .. href .. '" hreflang="' .. lang ..
    '" lang="' .. lang .. '" title="' .. (ZH_STEM and "This page in English" or "本页的中文版") .. '">' ..
    '<i class="bi bi-translate" aria-hidden="true"></i> ' .. text .. '</a></p>')
end

-- the anchors of the English notebook's `##`… headings (its markdown cells, read as Quarto reads them), in order
local function english_anchors(stem)
  local f = io.open(DIR .. "/" .. (stem or EN_STEM) .. ".ipynb", "r")
  if not f then return {} end
  local nb = pandoc.json.decode(f:read("a"), false)
  f:close()
  local parts = {}
  for _, c in ipairs(nb.cells) do
    if c.cell_type == "markdown" then
      parts[#parts + 1] = type(c.source) == "table" and table.concat(c.source) or c.source
    end
  end
  local out = {}
  pandoc.read(table.concat(parts, "\n\n"), "markdown"):walk({
    Header = function(h) if h.level >= 2 then out[#out + 1] = h.identifier end end})
  return out
end

local function is_embed_output(el)
  return el.t == "Div" and (el.classes:includes("cell-output") or el.classes:includes("cell-output-display")
    or el.classes:includes("cell-output-stdout") or el.classes:includes("cell-output-stderr"))
end

local function zh_figure(div)
  local caption, rest = pandoc.Blocks({}), pandoc.Blocks({})
  for _, b in ipairs(div.content) do
    if b.t == "Para" or b.t == "Plain" then caption:insert(b) else rest:insert(b) end
  end
  local alt = div.attributes["alt"] or pandoc.utils.stringify(caption)
  local cap_inlines = pandoc.utils.blocks_to_inlines(caption)
  local cap_html = pandoc.write(pandoc.Pandoc(caption), "html", {html_math_method = "mathjax"})
  local done = false
  rest = rest:walk({
    Figure = function(f) f.caption.long = caption; done = true; return f end,
    Image = function(i) i.attributes["fig-alt"] = alt; i.caption = cap_inlines; return i end,
    RawBlock = function(r)  -- an interactive figure: one HTML block with its own <figcaption> and alt texts
      if r.format:match("html") and r.text:match("<figcaption") then
        r.text = r.text:gsub("<figcaption([^>]*)>.-</figcaption>", function(a) return "<figcaption" .. a .. ">" .. cap_html .. "</figcaption>" end, 1)
        r.text = r.text:gsub('(<img[^>]-) alt="[^"]*"', function(pre) return pre .. ' alt="' .. alt:gsub("%%", "%%%%"):gsub('"', "&quot;") .. '"' end)
        done = true
        return r
      end
    end})
  if not done then rest:extend(caption) end
  return rest
end

local function zh_exercise(div)
  return div.content:walk({Div = function(d) if is_embed_output(d) then return {} end end})
end

-- A line break in the source (a soft break) between two Chinese characters is no space, nor next to full-width
-- punctuation（，。）; between Chinese and Latin text it stays a space, as Chinese typesetting wants ("沿用 Python").
local function wide(cp) return cp and ((cp >= 0x3000 and cp <= 0x9FFF) or (cp >= 0xFF00 and cp <= 0xFFEF)) end
local function punct(cp) return cp and ((cp >= 0x3000 and cp <= 0x303F) or (cp >= 0xFF00 and cp <= 0xFFEF)) end
local function first_cp(el) if el and el.t == "Str" and #el.text > 0 then return utf8.codepoint(el.text, 1) end end
local function last_cp(el)
  if el and el.t == "Str" and #el.text > 0 then return utf8.codepoint(el.text, utf8.offset(el.text, -1)) end
end
local function join_chinese_lines(inlines)
  local out = pandoc.Inlines({})
  for i, el in ipairs(inlines) do
    local before, after = last_cp(inlines[i - 1]), first_cp(inlines[i + 1])
    local join = (wide(before) and wide(after)) or punct(before) or punct(after)
    if not (el.t == "SoftBreak" and join) then out:insert(el) end
  end
  return out
end

-- anchor -> the Chinese page's heading text there, for a chapter `stem` (headings pair up in order)
local zh_titles = {}
local function zh_heading(stem, anchor)
  if not zh_titles[stem] then
    local map, f = {}, io.open(DIR .. "/" .. stem .. ".zh.qmd", "r")
    if f then
      local doc, anchors, k = pandoc.read(f:read("a"), "markdown"), english_anchors(stem), 0
      f:close()
      for _, b in ipairs(doc.blocks) do
        if b.t == "Header" and b.level >= 2 then
          k = k + 1
          if anchors[k] then map[anchors[k]] = b.content end
        end
      end
    end
    zh_titles[stem] = map
  end
  return zh_titles[stem][anchor]
end

local function localize_link(link)
  local stem, anchor = link.target:match("^([%w_%-]+)%.ipynb(#?.*)$")
  if stem and not link.target:match("^%a+://") and zh_exists(stem) then
    link.target = html_name(stem) .. ".zh.html" .. anchor
    -- a section link that shows the English title ("00 · The game", the glossary's) shows the Chinese one
    local num = pandoc.utils.stringify(link.content):match("^(%d%d%a?) · ")
    local title = num and anchor ~= "" and zh_heading(stem, anchor:sub(2))
    if title then  -- the heading's own inlines (its math stays math); the hover title is its plain text
      link.content = pandoc.Inlines({pandoc.Str(num .. " · ")}) .. title
      link.title = pandoc.utils.stringify(title)
    end
    return link
  end
end

function Pandoc(doc)
  local blocks = doc.blocks
  if ZH_STEM then
    blocks = blocks:filter(function(b)  -- the translation markers (tools/zh_pages.py) are for authors only
      return not (b.t == "RawBlock" and b.text:match("^%s*<!%-%-%s*en%s"))
    end)
    local anchors, k = english_anchors(), 0
    blocks = blocks:walk({
      Div = function(d)
        if d.classes:includes("zh-fig") then return zh_figure(d) end
        if d.classes:includes("zh-exercise") then return zh_exercise(d) end
      end})
    for _, b in ipairs(blocks) do  -- the page's own headings are top-level blocks; embedded ones are inside Divs
      if b.t == "Header" and b.level >= 2 then
        k = k + 1
        if anchors[k] then b.identifier = anchors[k] end
      end
    end
    blocks = blocks:walk({Link = localize_link, Inlines = join_chinese_lines})
  end
  local sw = switch_block()
  if sw then blocks:insert(1, sw) end
  doc.blocks = blocks
  return doc
end
