-- Frames selected by each display filter of the list in $DNP3KIT_FILTERS
-- (one filter per line), printed at the end as "index<TAB>frame frame ...";
-- then, per frame with application fragments, "F<TAB>frame<TAB>functions<TAB>objects"
-- (dnp3.al.func, dnp3.al.obj). Each filter is a tap listener of its own, so
-- one tshark run applies them all.
local filters, hits = {}, {}
for line in io.lines(os.getenv("DNP3KIT_FILTERS")) do
    if line ~= "" then
        local i = #filters + 1
        filters[i] = line
        hits[i] = {}
        local l = Listener.new("frame", line)
        function l.packet(pinfo)
            local h = hits[i]
            if h[#h] ~= pinfo.number then h[#h + 1] = pinfo.number end
        end
    end
end

local f_func, f_obj = Field.new("dnp3.al.func"), Field.new("dnp3.al.obj")
local app = {}
local all = Listener.new("frame", "dnp3.al.func")
function all.packet(pinfo)
    local fs, os_ = {}, {}
    for _, v in ipairs({f_func()}) do fs[#fs + 1] = tostring(v.value) end
    for _, v in ipairs({f_obj()}) do os_[#os_ + 1] = tostring(v.value) end
    app[#app + 1] = pinfo.number .. "\t" .. table.concat(fs, ",") .. "\t" .. table.concat(os_, ",")
end

local printed = false
function all.draw()
    if printed then return end
    printed = true
    for i = 1, #filters do
        io.write(i, "\t", table.concat(hits[i], " "), "\n")
    end
    for _, line in ipairs(app) do io.write("F\t", line, "\n") end
end
